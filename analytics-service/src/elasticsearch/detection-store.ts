/**
 * The detection engine's reads of events, and its checkpoint: paged composite aggregations, sorted scans
 * with search_after, counts. Memory stays bounded by the page size whatever the data volume.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { EventDoc } from '../detection/predicate.js';
import { withAvailability } from './errors.js';
import type { IndexNames } from './index-names.js';
import { ms } from '../time/event-time.js';

type Query = estypes.QueryDslQueryContainer;

export interface CompositeBucket {
  key: Record<string, string | number>;
  doc_count: number;
  aggs: Record<string, unknown>;
}

export interface ScanOptions {
  /** fields to fetch from _source; `true` fetches everything */
  source: string[] | true;
  /** sort fields before @timestamp and event_id (e.g. the entity key fields) */
  sortFirst?: string[];
  pageSize?: number;
}

export interface Checkpoint {
  /** event.ingested of the newest event processed */
  ingested: string;
  updated_at: string;
}

/** All shards failed because none is assigned yet (a data stream created a moment ago). */
function shardsNotReady(error: unknown): boolean {
  const body = (error as { meta?: { body?: { error?: { root_cause?: Array<{ type?: string }> } } } }).meta?.body;
  const causes = body?.error?.root_cause ?? [];
  return causes.length > 0 && causes.every((c) => c.type === 'no_shard_available_action_exception');
}

/**
 * Every read of events by detection names the same preference, so that Elasticsearch answers it from the same copy
 * of each shard. Copies refresh independently: without it, a poll could find a new event on one copy, count its
 * window on another copy that does not show the event yet, and miss the alert for good.
 */
export const DETECTION_PREFERENCE = 'aisec-detection';

/** Ids per search: Elasticsearch's default `index.max_result_window` (hits one search may return). */
export const IDS_PER_READ = 10_000;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** what detection reads of an event: everything but prompt/response text (and `extra`) */
const WITHOUT_TEXT = ['input_text', 'output_text', 'extra'];
export const UNREAD_FIELDS: ReadonlySet<string> = new Set(WITHOUT_TEXT);

/** How DetectionStore.ingestedSince reads: where a page continues, what is at hand or skipped, where the range ends. */
export interface TailRead {
  searchAfter?: estypes.SortResults;
  known?: { size: number; get(id: string, ingested: number): EventDoc | undefined };
  skip?: (id: string) => boolean;
  until?: number;
}

/** A new event as streaming's read gives it: its position, its contents (none for an id the read skipped), whether they were read back from Elasticsearch. */
export interface TailItem {
  id: string;
  ingested: number;
  event?: EventDoc;
  readBack: boolean;
}

/** Events in time order, then by id (each time parsed once, and kept on the event for the rules: time/event-time.ts). */
export function inTimeOrder(events: EventDoc[]): EventDoc[] {
  return [...events].sort((a, b) => ms(a) - ms(b) || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
}

export class DetectionStore {
  /** what every read of events targets */
  private readonly events: { index: string; preference: string; ignore_unavailable: true; allow_no_indices: true };

  constructor(
    private readonly es: Client,
    readonly indices: IndexNames,
  ) {
    this.events = { index: indices.events, preference: DETECTION_PREFERENCE, ignore_unavailable: true, allow_no_indices: true };
  }

  /** Paged composite aggregation over events; yields one bucket at a time. */
  async *composite(query: Query, sources: Array<Record<string, estypes.AggregationsCompositeAggregationSource>>, aggs: Record<string, estypes.AggregationsAggregationContainer> = {}, pageSize = 1000): AsyncGenerator<CompositeBucket> {
    let after: Record<string, string | number | null> | undefined;
    for (;;) {
      const response = await withAvailability('detection aggregation', () =>
        this.es.search({
          ...this.events,
          size: 0,
          track_total_hits: false,
          query,
          aggs: { keys: { composite: { size: pageSize, sources, ...(after ? { after } : {}) }, aggs } },
        }),
      );
      const agg = response.aggregations?.keys as estypes.AggregationsCompositeAggregate | undefined;
      const buckets = (agg?.buckets ?? []) as estypes.AggregationsCompositeBucket[];
      for (const bucket of buckets) {
        const { key, doc_count, ...rest } = bucket as unknown as { key: Record<string, string | number>; doc_count: number } & Record<string, unknown>;
        yield { key, doc_count, aggs: rest };
      }
      if (buckets.length < pageSize || !agg?.after_key) return;
      after = agg.after_key as Record<string, string | number | null>;
    }
  }

  /** Composite sources that group by plain fields, in the given order. */
  static termsSources(fields: readonly string[]): Array<Record<string, estypes.AggregationsCompositeAggregationSource>> {
    return fields.map((field) => ({ [field]: { terms: { field } } }));
  }

  /** Events matching the query, sorted by `sortFirst`, then @timestamp and event_id, page by page. */
  async *scan(query: Query, options: ScanOptions): AsyncGenerator<EventDoc> {
    const pageSize = options.pageSize ?? 1000;
    const sort: estypes.SortCombinations[] = [
      ...(options.sortFirst ?? []).map((field) => ({ [field]: { order: 'asc' as const } })),
      { '@timestamp': { order: 'asc' } },
      { event_id: { order: 'asc' } },
    ];
    const source = options.source === true ? true : [...new Set(['@timestamp', 'event_id', ...options.source])];
    let after: estypes.SortResults | undefined;
    for (;;) {
      const response = await withAvailability('detection scan', () =>
        this.es.search<EventDoc>({
          ...this.events,
          size: pageSize,
          track_total_hits: false,
          query,
          sort,
          _source: source,
          ...(after ? { search_after: after } : {}),
        }),
      );
      const hits = response.hits.hits;
      for (const hit of hits) yield hit._source!;
      if (hits.length < pageSize) return;
      after = hits.at(-1)!.sort;
    }
  }

  async count(query: Query): Promise<number> {
    const response = await withAvailability('detection count', () =>
      this.es.count({ ...this.events, query }),
    );
    return response.count;
  }

  /** The first `size` event ids (by time) matching the query, and how many match in all. */
  async firstIds(query: Query, size: number): Promise<{ ids: string[]; total: number }> {
    const response = await withAvailability('detection evidence', () =>
      this.es.search<{ event_id: string }>({
        ...this.events,
        size,
        track_total_hits: true,
        query,
        sort: [{ '@timestamp': { order: 'asc' } }, { event_id: { order: 'asc' } }],
        _source: ['event_id'],
      }),
    );
    const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
    return { ids: response.hits.hits.map((h) => h._source!.event_id), total };
  }

  async aggregate(query: Query, aggs: Record<string, estypes.AggregationsAggregationContainer>): Promise<Record<string, unknown>> {
    const response = await withAvailability('detection aggregation', () =>
      this.es.search({ ...this.events, size: 0, track_total_hits: false, query, aggs }),
    );
    return (response.aggregations ?? {}) as Record<string, unknown>;
  }

  /**
   * The events with event.ingested > after (without prompt/response text), oldest event.ingested first, then by
   * id; `last` continues the read. At most IDS_PER_READ per call. When `known` holds events (those this process stored
   * a moment ago, detection/recent-events.ts), the search returns only each event's position (its sort values: no
   * stored field is read), the contents come from `known`, and those of the others (`readBack`) from one more search
   * by id, except for the ids `skip` names (already read: returned without contents); else the search returns the
   * contents as well (a replica that stores nothing itself), all `readBack`. With `until`, only events with
   * event.ingested ≤ until: Elasticsearch then sorts the events of that range, not every event after `after`.
   */
  async ingestedSince(
    after: number,
    size: number,
    { searchAfter, known, skip = () => false, until }: TailRead = {},
  ): Promise<{ items: TailItem[]; last?: estypes.SortResults }> {
    const positionsOnly = known !== undefined && known.size > 0;
    const response = await withAvailability('detection tail', () =>
      this.tail({ after, until }, Math.min(size, IDS_PER_READ), positionsOnly, searchAfter).catch((error: unknown) => {
        // the data stream's first backing index is still starting: nothing is searchable yet, so nothing is new
        if (shardsNotReady(error)) return { hits: { hits: [] } } as unknown as estypes.SearchResponse<EventDoc>;
        throw error;
      }),
    );
    const hits = response.hits.hits;
    const last = hits.at(-1)?.sort;
    const positions: TailItem[] = hits.map((h) => ({ ingested: Number(h.sort![0]), id: String(h.sort![1]), readBack: !positionsOnly, ...(h._source ? { event: h._source } : {}) }));
    if (positionsOnly) {
      const missing = new Map<string, TailItem>();
      for (const p of positions) {
        if (skip(p.id)) continue;
        const event = known.get(p.id, p.ingested);
        if (event) p.event = event;
        else missing.set(p.id, p);
      }
      if (missing.size > 0) {
        for (const event of await this.withoutText([...missing.keys()])) Object.assign(missing.get(event.event_id)!, { event, readBack: true });
      }
    }
    // an event gone between the two searches (deleted) is not new any more
    const items = positions.filter((p) => p.event !== undefined || skip(p.id));
    return { items, ...(last ? { last } : {}) };
  }

  /** Events by id (at most IDS_PER_READ), without prompt/response text, in no particular order. */
  private async withoutText(ids: string[]): Promise<EventDoc[]> {
    const response = await withAvailability('detection tail', () =>
      this.es.search<EventDoc>({ ...this.events, size: ids.length, track_total_hits: false, query: { terms: { event_id: ids } }, _source: { excludes: WITHOUT_TEXT } }),
    );
    return response.hits.hits.map((h) => h._source!);
  }

  /**
   * Makes every event indexed so far searchable at once, instead of at the data stream's next scheduled refresh (a
   * second by default): streaming's fresh reads (AISEC_DETECTION_FRESH_READS).
   */
  async refreshEvents(): Promise<void> {
    await withAvailability('detection refresh', () => this.es.indices.refresh({ index: this.indices.events, ignore_unavailable: true, allow_no_indices: true }));
  }

  /** How many events have after < event.ingested < before (a count: no documents, no sort). */
  async countIngestedBetween(after: number, before: number): Promise<number> {
    const response = await withAvailability('detection tail count', () =>
      this.es
        .count({ ...this.events, query: { range: { 'event.ingested': { gt: after, lt: before, format: 'epoch_millis' } } } })
        .catch((error: unknown) => {
          if (shardsNotReady(error)) return { count: 0 };
          throw error;
        }),
    );
    return response.count;
  }

  /** Sorted by position; with `positionsOnly`, the sort values alone (`stored_fields: _none_`: neither `_source` nor `_id`). */
  private tail(range: { after: number; until: number | undefined }, size: number, positionsOnly: boolean, searchAfter?: estypes.SortResults): Promise<estypes.SearchResponse<EventDoc>> {
    const until = range.until === undefined ? {} : { lte: new Date(range.until).toISOString() };
    return this.es.search<EventDoc>({
      ...this.events,
      size,
      track_total_hits: false,
      query: { range: { 'event.ingested': { gt: new Date(range.after).toISOString(), ...until, format: 'strict_date_optional_time' } } },
      sort: [{ 'event.ingested': { order: 'asc' } }, { event_id: { order: 'asc' } }],
      ...(positionsOnly ? { _source: false, stored_fields: '_none_' } : { _source: { excludes: WITHOUT_TEXT } }),
      ...(searchAfter ? { search_after: searchAfter } : {}),
    });
  }

  /** An alert's evidence events (at most MAX_EVIDENCE_IDS ids), whole, in time order (then by id). */
  async eventsByIds(ids: string[]): Promise<EventDoc[]> {
    const response = await withAvailability('detection read', () =>
      this.es.search<EventDoc>({
        ...this.events,
        size: ids.length,
        track_total_hits: false,
        query: { terms: { event_id: ids } },
        sort: [{ '@timestamp': { order: 'asc' } }, { event_id: { order: 'asc' } }],
      }),
    );
    return response.hits.hits.map((h) => h._source!);
  }

  /** Which of these events match the query (used to settle text conditions of new events without fetching text). */
  async matchingIds(ids: string[], query: Query): Promise<Set<string>> {
    const matching = new Set<string>();
    for (const part of chunks(ids, IDS_PER_READ)) {
      const response = await withAvailability('detection match', () =>
        this.es.search<{ event_id: string }>({
          ...this.events,
          size: part.length,
          track_total_hits: false,
          query: { bool: { filter: [{ terms: { event_id: part } }, query] } },
          _source: ['event_id'],
        }),
      );
      for (const hit of response.hits.hits) matching.add(hit._source!.event_id);
    }
    return matching;
  }

  async readCheckpoint(id: string): Promise<Checkpoint | undefined> {
    const response = await withAvailability('checkpoint read', () =>
      this.es.get<{ value?: Checkpoint }>({ index: this.indices.state, id }, { ignore: [404] }),
    );
    return response.found ? response._source?.value : undefined;
  }

  /** The checkpoints stored under these ids (real time: gets by id), those found only. */
  async readCheckpoints(ids: string[]): Promise<Map<string, Checkpoint>> {
    if (ids.length === 0) return new Map();
    const response = await withAvailability('checkpoint read', () => this.es.mget<{ value?: Checkpoint }>({ index: this.indices.state, ids }));
    const found = new Map<string, Checkpoint>();
    for (const doc of response.docs) if ('found' in doc && doc.found && doc._source?.value) found.set(doc._id, doc._source.value);
    return found;
  }

  async writeCheckpoint(id: string, checkpoint: Checkpoint): Promise<void> {
    await withAvailability('checkpoint write', () =>
      this.es.index({ index: this.indices.state, id, document: { kind: 'detection_checkpoint', updated_at: checkpoint.updated_at, value: checkpoint } }),
    );
  }
}
