/**
 * Reads for the live event tail (GET /v1/events/stream): events in order of `event.ingested`, the time
 * Elasticsearch (or this service) stamped them, so an event with an old `timestamp` that arrives now still shows
 * up now. Filters are term values only, never query syntax.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { AiSecurityEvent } from '../contract/event-schema.js';
import { withAvailability } from './errors.js';
import { fromDocument, type StoredEventDocument, type TermFilterField } from './event-store.js';

/** Position of an event in the tail: its event.ingested (epoch ms) and event_id. */
export type TailPosition = [number, string];

export interface TailHit {
  position: TailPosition;
  event: AiSecurityEvent;
}

export class EventTail {
  constructor(
    private readonly es: Client,
    private readonly index: string,
  ) {}

  /** Events with event.ingested >= `fromMs`, oldest first, one page after `after`. */
  async page(fromMs: number, terms: Partial<Record<TermFilterField, string>>, size: number, after?: TailPosition): Promise<TailHit[]> {
    const filter: estypes.QueryDslQueryContainer[] = [
      { range: { 'event.ingested': { gte: new Date(fromMs).toISOString(), format: 'strict_date_optional_time' } } },
    ];
    for (const [field, value] of Object.entries(terms)) if (value !== undefined) filter.push({ term: { [field]: value } });
    const response = await withAvailability('event tail', () =>
      this.es.search<StoredEventDocument>({
        index: this.index,
        ignore_unavailable: true,
        allow_no_indices: true,
        size,
        track_total_hits: false,
        query: { bool: { filter } },
        sort: [{ 'event.ingested': { order: 'asc' } }, { event_id: { order: 'asc' } }],
        ...(after ? { search_after: after } : {}),
      }),
    );
    return response.hits.hits.map((hit) => ({
      position: [Number(hit.sort![0]), String(hit.sort![1])] as TailPosition,
      event: fromDocument(hit._source!),
    }));
  }
}

/** Sort order of tail positions: event.ingested, then event_id. */
export function comparePositions(a: TailPosition, b: TailPosition): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}
