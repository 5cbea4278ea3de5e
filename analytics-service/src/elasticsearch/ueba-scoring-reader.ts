/**
 * The Elasticsearch reads of UEBA scoring (ueba/window-evaluation.ts and the modules it calls): per-(entity, local
 * hour) features, first occurrences of (entity, value) pairs with the entity's earlier history, and the members of
 * (hour, department) peer groups. Only queries and answer shapes live here; what the answers mean is decided by
 * the pure scoring in ueba/anomaly-scoring.ts. Every user-supplied value reaches Elasticsearch as a term or range
 * value, never as query text.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { compositePages, type EsTiming } from './composite-pager.js';
import { DETECTION_PREFERENCE } from './detection-store.js';
import { withAvailability } from './errors.js';

export interface UebaReadContext {
  es: Client;
  eventsIndex: string;
  timeZone: string;
  /** buckets per composite page */
  pageSize?: number;
}

/** Which events: event time [from, to), optionally only some entities and a further condition (a rule's `where`). */
export interface UebaEventSelection {
  from: number;
  to: number;
  entities?: string[];
  filter?: estypes.QueryDslQueryContainer;
}

export const timeRange = (from: number, to: number): estypes.QueryDslQueryContainer => ({
  range: { '@timestamp': { gte: new Date(from).toISOString(), lt: new Date(to).toISOString() } },
});
const REQUEST: estypes.QueryDslQueryContainer = { term: { category: 'request' } };

function selectionFilters(field: string, selection: UebaEventSelection): estypes.QueryDslQueryContainer[] {
  const filters: estypes.QueryDslQueryContainer[] = [timeRange(selection.from, selection.to), { exists: { field } }];
  if (selection.entities) filters.push({ terms: { [field]: selection.entities } });
  if (selection.filter) filters.push(selection.filter);
  return filters;
}

export interface HourlyBucket {
  key: { entity: string; hour: number };
  doc_count: number;
  /** present when token features were asked for */
  tokens_out?: { values: Array<{ key: number; value: number | null }> };
  tokens_in?: { values: Array<{ key: number; value: number | null }> };
  /** present when cost was asked for */
  cost?: { value: number | null };
}

/** Request count (and, when asked, median tokens and summed cost) per (entity, local hour), a page at a time. */
export function hourlyFeaturePages(
  ctx: UebaReadContext,
  field: string,
  selection: UebaEventSelection,
  want: { tokens: boolean; cost: boolean },
  timing: EsTiming,
): AsyncGenerator<HourlyBucket[]> {
  // per-hour medians are the costly part: ask only for what the rules being run read
  const aggs: Record<string, estypes.AggregationsAggregationContainer> = {};
  if (want.tokens) {
    aggs.tokens_out = { percentiles: { field: 'tokens_out', percents: [50], keyed: false } };
    aggs.tokens_in = { percentiles: { field: 'tokens_in', percents: [50], keyed: false } };
  }
  if (want.cost) aggs.cost = { sum: { field: 'cost_usd' } };
  return compositePages<HourlyBucket>(
    ctx.es,
    {
      index: ctx.eventsIndex,
      preference: DETECTION_PREFERENCE,
      query: { bool: { filter: [REQUEST, ...selectionFilters(field, selection)] } },
      sources: [{ entity: { terms: { field } } }, { hour: { date_histogram: { field: '@timestamp', fixed_interval: '1h', time_zone: ctx.timeZone } } }],
      aggs,
      pageSize: ctx.pageSize ?? 2000,
    },
    timing,
    'ueba hourly features',
  );
}

export interface FirstBucket {
  key: { entity: string; value: string };
  doc_count: number;
  first: { value: number | null };
  last: { value: number | null };
}

/** Each (entity, value) pair in the selection with its first and last time, a page at a time. */
export function valueOccurrencePages(ctx: UebaReadContext, field: string, valueField: string, selection: UebaEventSelection, timing: EsTiming): AsyncGenerator<FirstBucket[]> {
  return compositePages<FirstBucket>(
    ctx.es,
    {
      index: ctx.eventsIndex,
      preference: DETECTION_PREFERENCE,
      query: { bool: { filter: [...selectionFilters(field, selection), { exists: { field: valueField } }] } },
      sources: [{ entity: { terms: { field } } }, { value: { terms: { field: valueField } } }],
      aggs: { first: { min: { field: '@timestamp' } }, last: { max: { field: '@timestamp' } } },
      pageSize: ctx.pageSize ?? 2000,
    },
    timing,
    'ueba first-seen values',
  );
}

/** What an entity did in [from, to): events, first time, its values with counts and last times. */
export interface EntityValueHistory {
  events: number;
  first_seen: number | undefined;
  values: Array<{ value: string; count: number; last: number | undefined }>;
  distinct: number;
}

interface HistoryBucket {
  key: string;
  doc_count: number;
  first: { value: number | null };
  values: { buckets: Array<{ key: string; doc_count: number; last: { value: number | null } }> };
  distinct: { value: number | null };
}

/** The value histories of the given entities over [from, to) (at most 500 values each). */
export async function valueHistories(ctx: UebaReadContext, field: string, valueField: string, ids: string[], from: number, to: number, timing: EsTiming): Promise<Map<string, EntityValueHistory>> {
  const response = await withAvailability('ueba first-seen history', () =>
    ctx.es.search({
      index: ctx.eventsIndex,
      preference: DETECTION_PREFERENCE,
      size: 0,
      ignore_unavailable: true,
      allow_no_indices: true,
      query: { bool: { filter: [timeRange(from, to), { terms: { [field]: ids } }] } },
      aggs: {
        entities: {
          terms: { field, size: ids.length },
          aggs: {
            first: { min: { field: '@timestamp' } },
            values: { terms: { field: valueField, size: 500 }, aggs: { last: { max: { field: '@timestamp' } } } },
            distinct: { cardinality: { field: valueField } },
          },
        },
      },
    }),
  );
  timing.add(response);
  const histories = new Map<string, EntityValueHistory>();
  for (const b of (response.aggregations?.entities as unknown as { buckets: HistoryBucket[] } | undefined)?.buckets ?? []) {
    histories.set(String(b.key), {
      events: b.doc_count,
      first_seen: b.first.value ?? undefined,
      values: b.values.buckets.map((v) => ({ value: String(v.key), count: v.doc_count, last: v.last.value ?? undefined })),
      distinct: b.distinct.value ?? b.values.buckets.length,
    });
  }
  return histories;
}

export interface PeerBucket {
  key: { hour: number; group: string; entity: string };
  doc_count: number;
  tokens_out: { value: number | null };
  /** newest event.ingested among the member's events of the hour (epoch ms) */
  ingested: { value: number | null };
}

/** Which peer-group members to read: users with a department, in [from, to), optionally some users or departments. */
export interface PeerSelection extends UebaEventSelection {
  departments?: string[];
  /** only events ingested before this (epoch ms) */
  ingestedBefore?: number;
}

function peerFilter(selection: PeerSelection): estypes.QueryDslQueryContainer[] {
  const filter = [REQUEST, { exists: { field: 'user_department' } }, ...selectionFilters('user_id', selection)];
  if (selection.departments) filter.push({ terms: { user_department: selection.departments } });
  if (selection.ingestedBefore !== undefined) filter.push({ range: { 'event.ingested': { lt: selection.ingestedBefore, format: 'epoch_millis' } } });
  return filter;
}

/** Members' requests and output tokens per (hour, department), hour first, then department, then user. */
export function peerMemberPages(ctx: UebaReadContext, selection: PeerSelection, timing: EsTiming, what = 'ueba peer groups'): AsyncGenerator<PeerBucket[]> {
  const filter = peerFilter(selection);
  return compositePages<PeerBucket>(
    ctx.es,
    {
      index: ctx.eventsIndex,
      preference: DETECTION_PREFERENCE,
      query: { bool: { filter } },
      sources: [
        { hour: { date_histogram: { field: '@timestamp', fixed_interval: '1h', time_zone: ctx.timeZone } } },
        { group: { terms: { field: 'user_department' } } },
        { entity: { terms: { field: 'user_id' } } },
      ],
      aggs: { tokens_out: { sum: { field: 'tokens_out' } }, ingested: { max: { field: 'event.ingested' } } },
      pageSize: ctx.pageSize ?? 2000,
    },
    timing,
    what,
  );
}

export interface PeerGroupNewest {
  key: { hour: number; group: string };
  /** the group's member events of the hour */
  doc_count: number;
  /** newest event.ingested among the group's member events of the hour (epoch ms) */
  ingested: { value: number | null };
}

/**
 * The newest event.ingested of each (hour, department) of these departments, and how many events it has, over the
 * same member events as peerMemberPages: what tells streaming whether a group has settled, or is as it was when it
 * was last scored, without reading its members.
 */
export function peerGroupNewestPages(ctx: UebaReadContext, selection: PeerSelection, timing: EsTiming): AsyncGenerator<PeerGroupNewest[]> {
  return compositePages<PeerGroupNewest>(
    ctx.es,
    {
      index: ctx.eventsIndex,
      preference: DETECTION_PREFERENCE,
      query: { bool: { filter: peerFilter(selection) } },
      sources: [
        { hour: { date_histogram: { field: '@timestamp', fixed_interval: '1h', time_zone: ctx.timeZone } } },
        { group: { terms: { field: 'user_department' } } },
      ],
      aggs: { ingested: { max: { field: 'event.ingested' } } },
      pageSize: ctx.pageSize ?? 2000,
    },
    timing,
    'ueba peer group activity',
  );
}

/** The event time of the earliest stored event (undefined when there is none): no entity's history begins before it. */
export async function earliestStoredEvent(ctx: UebaReadContext): Promise<number | undefined> {
  const response = await withAvailability('ueba first-seen history', () =>
    ctx.es.search({
      index: ctx.eventsIndex,
      preference: DETECTION_PREFERENCE,
      size: 0,
      track_total_hits: false,
      ignore_unavailable: true,
      allow_no_indices: true,
      aggs: { earliest: { min: { field: '@timestamp' } } },
    }),
  );
  return (response.aggregations?.earliest as { value: number | null } | undefined)?.value ?? undefined;
}
