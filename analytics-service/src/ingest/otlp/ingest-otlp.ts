/**
 * OTLP/HTTP export requests (traces or logs, JSON or protobuf, gzip or not) into the event store, through the same
 * alias layer, validator, idempotency and bulk writer as `POST /v1/events` (ingest-events.ts). What was refused is
 * answered the OTLP way: a partial success with the count and a message naming each refused record.
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { EventStore } from '../../elasticsearch/event-store.js';
import { ingestEvents, type IngestOptions, type IngestResult } from '../ingest-events.js';
import { BodyError } from '../parse-body.js';
import { decodeExportRequest, type PartialSuccess } from './protobuf.js';
import { logRecords, spanRecords, type Signal } from './records.js';

export type OtlpEncoding = 'json' | 'protobuf';

const gunzipAsync = promisify(gunzip);

/** Refused records named one by one in the partial-success message before the rest are only counted. */
const NAMED_REFUSALS = 20;

export class OtlpBodyTooLargeError extends Error {
  readonly statusCode = 413;
  constructor(limit: number) {
    super(`the gzip-encoded body expands to more than the ${limit} bytes allowed (AISEC_BODY_LIMIT_BYTES); export smaller batches`);
    this.name = 'Payload Too Large';
  }
}

export class UnsupportedEncodingError extends Error {
  readonly statusCode = 415;
  constructor(encoding: string) {
    super(`Content-Encoding "${encoding}" is not supported: send gzip or no encoding`);
    this.name = 'Unsupported Media Type';
  }
}

/** `Content-Encoding` gzip or identity; the expanded body is held to the same limit as an uncompressed one. */
export async function decompress(body: Buffer, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new UnsupportedEncodingError(encoding);
  }
  // A body the service already decoded on the way in (a gzip-decoding hook ahead of the routes) no longer starts with
  // gzip's magic bytes. Neither JSON nor protobuf can start with 0x1f (wire type 7 does not exist), so this is exact.
  if (body.length < 2 || body[0] !== 0x1f || body[1] !== 0x8b) return body;
  try {
    return await gunzipAsync(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw new OtlpBodyTooLargeError(limit);
    throw new BodyError(`body is marked Content-Encoding: gzip but is not valid gzip: ${(error as Error).message}`);
  }
}

/** A decompressed export request body → its OTLP JSON form. */
export function decodeBody(signal: Signal, encoding: OtlpEncoding, body: Buffer): unknown {
  if (encoding === 'protobuf') return decodeExportRequest(signal, body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new BodyError(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BodyError(`body must be an OTLP ${signal === 'traces' ? 'ExportTraceServiceRequest' : 'ExportLogsServiceRequest'} object`);
  }
  return parsed;
}

export interface OtlpIngestOutcome {
  result: IngestResult;
  records: number;
  /** absent when every record was stored (or was already stored) */
  partialSuccess?: PartialSuccess;
}

export async function ingestOtlp(store: EventStore, signal: Signal, request: unknown, options: IngestOptions): Promise<OtlpIngestOutcome> {
  const batch = signal === 'traces' ? spanRecords(request) : logRecords(request);
  if (batch.items.length === 0) return { result: { accepted: 0, rejected: 0, duplicates: 0, errors: [] }, records: 0 };
  const result = await ingestEvents(store, batch.items, options);
  if (result.rejected === 0) return { result, records: batch.items.length };
  return { result, records: batch.items.length, partialSuccess: { rejected: result.rejected, errorMessage: refusalMessage(signal, result, batch.labels) } };
}

function refusalMessage(signal: Signal, result: IngestResult, labels: string[]): string {
  const byRecord = new Map<number, string[]>();
  for (const error of result.errors) {
    const reasons = byRecord.get(error.index) ?? [];
    reasons.push(error.message);
    byRecord.set(error.index, reasons);
  }
  const named = [...byRecord.entries()].slice(0, NAMED_REFUSALS).map(([index, reasons]) => `${labels[index] ?? `record ${index}`}: ${reasons.join('; ')}`);
  const unnamed = result.rejected - named.length;
  const noun = signal === 'traces' ? 'spans' : 'log records';
  const total = result.accepted + result.duplicates + result.rejected;
  return `${result.rejected} of ${total} ${noun} refused. ${named.join(' | ')}${unnamed > 0 ? ` | and ${unnamed} more` : ''}`;
}
