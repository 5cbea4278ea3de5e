/**
 * Ingest: validate and normalize each event, store the good ones, report the bad ones by position and field.
 * Nothing is reported as accepted unless Elasticsearch acknowledged it durably.
 */
import type { AiSecurityEvent } from '../contract/event-schema.js';
import { validateEvent } from '../contract/validate.js';
import { ElasticsearchUnavailableError } from '../elasticsearch/errors.js';
import type { EventStore, Refresh, WriteOutcome } from '../elasticsearch/event-store.js';
import type { BodyItem } from './parse-body.js';

export interface IngestError {
  index: number;
  event_id?: string;
  field?: string;
  message: string;
}

export interface IngestResult {
  accepted: number;
  rejected: number;
  duplicates: number;
  errors: IngestError[];
  /** errors beyond MAX_REPORTED_ERRORS, counted but not listed */
  errors_omitted?: number;
}

/** A batch of 50 000 bad events must not produce a 50 MB answer: errors past this are counted only. */
export const MAX_REPORTED_ERRORS = 1000;

function report(result: IngestResult, error: IngestError): void {
  if (result.errors.length < MAX_REPORTED_ERRORS) result.errors.push(error);
  else result.errors_omitted = (result.errors_omitted ?? 0) + 1;
}

export interface IngestOptions {
  chunkSize: number;
  refresh?: Refresh;
  /** attempts for items Elasticsearch refused with 429/5xx before the whole request is answered 503 */
  itemRetries?: number;
  retryDelayMs?: number;
}

/** Thrown when some valid events could not be stored; carries what was stored so far. */
export class IngestUnavailableError extends ElasticsearchUnavailableError {
  constructor(
    message: string,
    readonly partial: IngestResult,
  ) {
    super(message);
    this.name = 'IngestUnavailableError';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function ingestEvents(store: EventStore, items: BodyItem[], options: IngestOptions): Promise<IngestResult> {
  const result: IngestResult = { accepted: 0, rejected: 0, duplicates: 0, errors: [] };
  const valid: Array<{ index: number; event: AiSecurityEvent }> = [];
  for (const item of items) {
    if ('error' in item) {
      result.rejected++;
      report(result, { index: item.index, message: item.error });
      continue;
    }
    const validation = validateEvent(item.value);
    if (validation.ok) {
      valid.push({ index: item.index, event: validation.event });
    } else {
      result.rejected++;
      const eventId = (item.value as { event_id?: unknown } | null)?.event_id;
      for (const error of validation.errors) {
        report(result, {
          index: item.index,
          ...(typeof eventId === 'string' ? { event_id: eventId } : {}),
          ...(error.field ? { field: error.field } : {}),
          message: error.message,
        });
      }
    }
  }

  for (let start = 0; start < valid.length; start += options.chunkSize) {
    let pending = valid.slice(start, start + options.chunkSize);
    const retries = options.itemRetries ?? 2;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let outcomes: WriteOutcome[];
      try {
        outcomes = await store.createMany(pending.map((p) => p.event), options.refresh ?? false);
      } catch (error) {
        if (error instanceof ElasticsearchUnavailableError) throw new IngestUnavailableError(error.message, result);
        throw error;
      }
      const retry: typeof pending = [];
      outcomes.forEach((outcome, i) => {
        const { index, event } = pending[i]!;
        if (outcome.status === 'created') result.accepted++;
        else if (outcome.status === 'duplicate') result.duplicates++;
        else if (outcome.status === 'retryable') retry.push(pending[i]!);
        else {
          result.rejected++;
          report(result, { index, event_id: event.event_id!, message: `Elasticsearch refused the event: ${outcome.message}` });
        }
      });
      if (retry.length > 0 && attempt >= retries) {
        throw new IngestUnavailableError(`Elasticsearch could not take ${retry.length} events after ${retries + 1} attempts`, result);
      }
      pending = retry;
      if (pending.length > 0) await sleep((options.retryDelayMs ?? 250) * 2 ** attempt);
    }
  }
  return result;
}
