/**
 * Reads and writes of events. The only place that knows how an event is laid out in Elasticsearch.
 * User input reaches Elasticsearch only as term and range values, never as query syntax.
 */
import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import type { AiSecurityEvent } from '../contract/event-schema.js';
import { withAvailability } from './errors.js';

export type StoredEventDocument = Omit<AiSecurityEvent, 'timestamp'> & {
  '@timestamp': string;
  event: { ingested: string };
};

/**
 * `reason` is Elasticsearch's text, for the service log only; `field` is the contract field Elasticsearch named, when
 * it named one. Neither Elasticsearch's words nor its exception types go back to a caller.
 */
export type WriteOutcome =
  | { status: 'created' }
  | { status: 'duplicate' }
  | { status: 'rejected'; reason: string; field?: string }
  | { status: 'retryable'; reason: string };

/**
 * Elasticsearch refused a bulk request as a whole (4xx at request level: an invalid `_id`, a body over
 * `http.max_content_length`, …): none of its events was stored. The caller splits the request to find the offender.
 */
export class BulkRequestRefusedError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
  ) {
    super(`Elasticsearch refused the bulk request (${statusCode})`);
    this.name = 'BulkRequestRefusedError';
  }
}

/** "failed to parse field [tool_params] of type …" → the contract field, to name it to the producer. */
function refusedField(reason: string): string | undefined {
  const field = /field \[([^\]]{1,200})\]/.exec(reason)?.[1];
  if (field === undefined) return undefined;
  return field === '@timestamp' ? 'timestamp' : field;
}

export type Refresh = boolean | 'wait_for';

export function toDocument(event: AiSecurityEvent, ingestedAt: string): StoredEventDocument {
  // one copy, field by field (a rest pattern and a spread would copy twice; this runs once per ingested event)
  const doc: Record<string, unknown> = { '@timestamp': event.timestamp };
  for (const key of Object.keys(event)) if (key !== 'timestamp') doc[key] = event[key as keyof AiSecurityEvent];
  doc.event = { ingested: ingestedAt };
  return doc as StoredEventDocument;
}

/** The canonical contract shape of a stored event. */
export function fromDocument(doc: StoredEventDocument): AiSecurityEvent {
  const { '@timestamp': timestamp, event: _event, ...rest } = doc;
  return { timestamp, ...rest } as AiSecurityEvent;
}

export interface EventFilters {
  from?: Date;
  to?: Date;
  terms: Partial<Record<TermFilterField, string>>;
}

export const TERM_FILTER_FIELDS = [
  'user_id',
  'category',
  'decision',
  'severity',
  'model',
  'endpoint',
  'session_id',
  'request_id',
  'agent_id',
  'src_ip',
] as const;
export type TermFilterField = (typeof TERM_FILTER_FIELDS)[number];

/** Sort position of an event: its timestamp and id. Used as the paging cursor. */
export type EventCursor = [number, string];

export interface EventPage {
  events: AiSecurityEvent[];
  total: number;
  next?: EventCursor;
}

export function eventFilterQuery(filters: EventFilters): estypes.QueryDslQueryContainer {
  const filter: estypes.QueryDslQueryContainer[] = [];
  if (filters.from || filters.to) {
    const range: estypes.QueryDslDateRangeQuery = { format: 'strict_date_optional_time' };
    if (filters.from) range.gte = filters.from.toISOString();
    if (filters.to) range.lt = filters.to.toISOString();
    filter.push({ range: { '@timestamp': range } });
  }
  for (const [field, value] of Object.entries(filters.terms)) {
    if (value !== undefined) filter.push({ term: { [field]: value } });
  }
  return { bool: { filter } };
}

export class EventStore {
  private readonly createdListeners: Array<(docs: StoredEventDocument[]) => void> = [];

  constructor(
    private readonly es: Client,
    private readonly index: string,
  ) {}

  /** Tells `listener` of the documents of every createMany that Elasticsearch created (201), as they were sent. */
  onCreated(listener: (docs: StoredEventDocument[]) => void): void {
    this.createdListeners.push(listener);
  }

  /**
   * Writes events with the `create` op and `_id = event_id`: a replayed event is reported as a duplicate,
   * never overwritten or stored twice. Outcomes are returned in input order.
   */
  async createMany(events: AiSecurityEvent[], refresh: Refresh = false): Promise<WriteOutcome[]> {
    if (events.length === 0) return [];
    const ingestedAt = new Date().toISOString();
    const operations: unknown[] = [];
    const docs: StoredEventDocument[] = [];
    for (const event of events) {
      const doc = toDocument(event, ingestedAt);
      docs.push(doc);
      operations.push({ create: { _index: this.index, _id: event.event_id } }, doc);
    }
    const response = await withAvailability('bulk write', async () => {
      try {
        return await this.es.bulk({ operations, refresh, filter_path: 'errors,items.*.status,items.*.error.type,items.*.error.reason' });
      } catch (error) {
        if (error instanceof errors.ResponseError && (error.statusCode ?? 0) >= 400 && (error.statusCode ?? 0) < 500 && error.statusCode !== 429) {
          const body = error.meta?.body as { error?: { type?: string; reason?: string } } | undefined;
          throw new BulkRequestRefusedError(error.statusCode!, `${body?.error?.type ?? 'error'}: ${body?.error?.reason ?? error.message}`);
        }
        throw error;
      }
    });
    if (this.createdListeners.length > 0) {
      const created = docs.filter((_, i) => response.items[i]?.create?.status === 201);
      for (const listener of this.createdListeners) listener(created);
    }
    return response.items.map((item): WriteOutcome => {
      const result = item.create!;
      if (result.status === 201) return { status: 'created' };
      if (result.status === 409) return { status: 'duplicate' };
      const reason = `${result.error?.type ?? 'error'}: ${result.error?.reason ?? 'unknown'}`;
      if (result.status === 429 || result.status >= 500) return { status: 'retryable', reason };
      const field = refusedField(result.error?.reason ?? '');
      return { status: 'rejected', reason, ...(field ? { field } : {}) };
    });
  }

  async search(filters: EventFilters, limit: number, after?: EventCursor): Promise<EventPage> {
    const request: estypes.SearchRequest = {
      index: this.index,
      ignore_unavailable: true,
      allow_no_indices: true,
      size: limit,
      track_total_hits: true,
      query: eventFilterQuery(filters),
      sort: [{ '@timestamp': { order: 'desc' } }, { event_id: { order: 'desc' } }],
    };
    if (after) request.search_after = after;
    const response = await withAvailability('event search', () => this.es.search<StoredEventDocument>(request));
    const hits = response.hits.hits;
    const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
    const page: EventPage = { events: hits.map((h) => fromDocument(h._source!)), total };
    const last = hits.at(-1);
    if (hits.length === limit && last?.sort) page.next = last.sort as EventCursor;
    return page;
  }
}
