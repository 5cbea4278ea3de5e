/**
 * Ingest: validate and normalize each event, store the good ones, report the bad ones by position and field.
 * Nothing is reported as accepted unless Elasticsearch acknowledged it durably.
 */
import type { AiSecurityEvent } from '../contract/event-schema.js';
import { validateEvent } from '../contract/validate.js';
import { ElasticsearchUnavailableError } from '../elasticsearch/errors.js';
import { BulkRequestRefusedError, type EventStore, type Refresh, type WriteOutcome } from '../elasticsearch/event-store.js';
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
  /** events per Elasticsearch _bulk request */
  chunkSize: number;
  /** bulk requests in flight at once for one ingest call */
  maxInFlight?: number;
  /** applied to each valid event before storage (content mode) */
  transform?: (event: AiSecurityEvent) => AiSecurityEvent;
  refresh?: Refresh;
  /** attempts for items Elasticsearch refused with 429/5xx before the whole request is answered 503 */
  itemRetries?: number;
  retryDelayMs?: number;
  /** told of each event Elasticsearch refused, with its reason (for the service log; callers get our own words) */
  onRefused?: (refusal: { index: number; event_id: string; reason: string }) => void;
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

type Valid = { index: number; event: AiSecurityEvent };

/**
 * Validation of the next chunk overlaps with the bulk write of the previous one (at most `maxInFlight`
 * writes at once), so the service's CPU work and Elasticsearch's indexing run side by side.
 */
export async function ingestEvents(store: EventStore, items: BodyItem[], options: IngestOptions): Promise<IngestResult> {
  const result: IngestResult = { accepted: 0, rejected: 0, duplicates: 0, errors: [] };
  const maxInFlight = options.maxInFlight ?? 2;
  const inFlight: Array<Promise<void>> = [];
  let failure: unknown;
  let chunk: Valid[] = [];

  const flush = async () => {
    if (chunk.length === 0) return;
    inFlight.push(
      writeChunk(store, chunk, result, options).catch((error: unknown) => {
        failure ??= error;
      }),
    );
    chunk = [];
    if (inFlight.length >= maxInFlight) await inFlight.shift();
  };

  for (const item of items) {
    if (failure !== undefined) break;
    if ('error' in item) {
      result.rejected++;
      report(result, { index: item.index, message: item.error });
      continue;
    }
    const validation = validateEvent(item.value);
    if (validation.ok) {
      chunk.push({ index: item.index, event: options.transform ? options.transform(validation.event) : validation.event });
      if (chunk.length >= options.chunkSize) await flush();
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
  if (failure === undefined) await flush();
  await Promise.all(inFlight);
  if (failure !== undefined) {
    if (failure instanceof ElasticsearchUnavailableError) throw new IngestUnavailableError(failure.message, result);
    throw failure;
  }
  result.errors.sort((a, b) => a.index - b.index);
  return result;
}

/**
 * Writes one chunk, retrying items Elasticsearch refused with 429/5xx; counts outcomes into `result`.
 * When Elasticsearch refuses the bulk request as a whole (nothing of it stored), the chunk is split in halves and each
 * written on its own, down to the single event that caused it, which is rejected: every event gets its own outcome.
 */
async function writeChunk(store: EventStore, chunk: Valid[], result: IngestResult, options: IngestOptions): Promise<void> {
  const retries = options.itemRetries ?? 2;
  let pending = chunk;
  for (let attempt = 0; pending.length > 0; attempt++) {
    let outcomes: WriteOutcome[];
    try {
      outcomes = await store.createMany(
        pending.map((p) => p.event),
        options.refresh ?? false,
      );
    } catch (error) {
      if (!(error instanceof BulkRequestRefusedError)) throw error;
      if (pending.length === 1) {
        const { index, event } = pending[0]!;
        refuse(result, options, index, event, error.reason);
        return;
      }
      const half = Math.ceil(pending.length / 2);
      await writeChunk(store, pending.slice(0, half), result, options);
      await writeChunk(store, pending.slice(half), result, options);
      return;
    }
    const retry: Valid[] = [];
    outcomes.forEach((outcome, i) => {
      const { index, event } = pending[i]!;
      if (outcome.status === 'created') result.accepted++;
      else if (outcome.status === 'duplicate') result.duplicates++;
      else if (outcome.status === 'retryable') retry.push(pending[i]!);
      else refuse(result, options, index, event, outcome.reason, outcome.field);
    });
    if (retry.length > 0 && attempt >= retries) {
      throw new ElasticsearchUnavailableError(`Elasticsearch could not take ${retry.length} events after ${retries + 1} attempts`);
    }
    pending = retry;
    if (pending.length > 0) await sleep((options.retryDelayMs ?? 250) * 2 ** attempt);
  }
}

/**
 * An event the validator passed and Elasticsearch refused: a gap between the contract and the mapping (the
 * differential contract test exists to keep it empty). The caller is told in our words; the reason goes to the log.
 */
function refuse(result: IngestResult, options: IngestOptions, index: number, event: AiSecurityEvent, reason: string, field?: string): void {
  result.rejected++;
  options.onRefused?.({ index, event_id: event.event_id!, reason });
  const where = field ? `${field} has a value` : 'the event has a value';
  report(result, {
    index,
    event_id: event.event_id!,
    ...(field ? { field } : {}),
    message: `the event could not be stored: ${where} the index mapping does not accept; the service log has the detail (look for this event_id)`,
  });
}
