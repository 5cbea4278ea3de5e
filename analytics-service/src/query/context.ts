/**
 * What every query kind receives, and the pieces they share: the time range as an Elasticsearch filter,
 * the filters of a target as `terms` clauses, bucket intervals sized from Grafana's interval and maxDataPoints,
 * and frame builders.
 */
import type { estypes } from '../elasticsearch/dsl.js';
import type { SearchReader } from '../elasticsearch/search-reader.js';
import type { JudgeDriftSettings } from '../assurance/judge-drift-assessment.js';
import type { IndexNames } from '../elasticsearch/index-names.js';
import type { FieldJson, FieldType, FrameJson, QueryFilters } from './kinds.js';

export interface QueryContext {
  reader: SearchReader;
  indices: IndexNames;
  from: Date;
  to: Date;
  intervalMs?: number;
  maxDataPoints: number;
  /** the judge_drift rule's parameters (assurance/judge-drift.ts) */
  judgeDrift: JudgeDriftSettings;
  /** the hourly rollup, when the service keeps one (query/rollup-split.ts) */
  rollup?: RollupSource;
}

/** Where the hourly rollup is and its committed watermark (read once per batch). */
export interface RollupSource {
  index: string;
  watermark: () => Promise<number | undefined>;
  /** the daily per-user rollup (query/user-rollup-split.ts) */
  users?: UserRollupSource;
  /** the hourly per-user rollup (query/user-volume.ts) */
  hourlyUsers?: UserRollupSource;
}

/** A per-user rollup: where, its watermark, and its bucket width. */
export interface UserRollupSource {
  index: string;
  watermark: () => Promise<number | undefined>;
  bucketMs: number;
}

export type Query = estypes.QueryDslQueryContainer;
export type Aggregations = Record<string, estypes.AggregationsAggregationContainer>;

/** Default when Grafana sends no maxDataPoints (its own default is the panel width in pixels). */
export const DEFAULT_MAX_DATA_POINTS = 1000;
/** Hard ceiling on buckets per series, whatever the caller asks: keeps 30-day dashboards fast. */
export const MAX_BUCKETS_PER_SERIES = 2000;

export function timeRangeFilter(from: Date | number, to: Date | number, field = '@timestamp'): Query {
  return { range: { [field]: { gte: +from, lt: +to, format: 'epoch_millis' } } };
}

export function termsFilter(field: string, values: readonly string[] | undefined): Query[] {
  return values && values.length > 0 ? [{ terms: { [field]: [...values] } }] : [];
}

/** Filters over the events data stream. `category` may be replaced by the kind (e.g. judge kinds default to judge_flag). */
export function eventFilters(ctx: QueryContext, filters: QueryFilters, options: { from?: Date; categories?: readonly string[] } = {}): Query[] {
  return [timeRangeFilter(options.from ?? ctx.from, ctx.to), ...eventTermFilters(filters, options.categories)];
}

/** The target's filters without the time range: they apply alike to raw events and to the hourly rollup (no user_id there). */
export function eventTermFilters(filters: QueryFilters, categories?: readonly string[]): Query[] {
  return [
    ...termsFilter('user_id', filters.user_id),
    ...termsFilter('endpoint', filters.endpoint),
    ...termsFilter('model', filters.model),
    ...termsFilter('severity', filters.severity),
    ...termsFilter('category', categories ?? filters.category),
  ];
}

/** Alert statuses that end an episode; every other status (or none) counts as open. */
export const CLOSED_ALERT_STATUSES = ['closed', 'resolved'];

/** Filters over the alerts index. Alerts carry a rule, not an event category, so `category` does not apply. */
export function alertFilters(ctx: QueryContext, filters: QueryFilters & { rule_id?: string[]; status?: 'open' | 'all' }): { filter: Query[]; must_not: Query[] } {
  return {
    filter: [
      timeRangeFilter(ctx.from, ctx.to),
      ...termsFilter('user_id', filters.user_id),
      ...termsFilter('endpoint', filters.endpoint),
      ...termsFilter('model', filters.model),
      ...termsFilter('severity', filters.severity),
      ...termsFilter('rule_id', filters.rule_id),
    ],
    must_not: filters.status === 'open' ? [{ terms: { status: CLOSED_ALERT_STATUSES } }] : [],
  };
}

const NICE_INTERVALS_MS = [
  1_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000,
  21_600_000, 43_200_000, 86_400_000, 604_800_000, 2_592_000_000,
];

/**
 * Bucket width for a date histogram: at least Grafana's interval, and wide enough that the range fits in
 * maxDataPoints buckets (never more than MAX_BUCKETS_PER_SERIES), rounded up to a width people read easily.
 */
export function bucketIntervalMs(ctx: Pick<QueryContext, 'from' | 'to' | 'intervalMs' | 'maxDataPoints'>): number {
  const span = Math.max(1, ctx.to.getTime() - ctx.from.getTime());
  const points = Math.min(Math.max(1, ctx.maxDataPoints), MAX_BUCKETS_PER_SERIES);
  const wanted = Math.max(ctx.intervalMs ?? 0, Math.ceil(span / points));
  return NICE_INTERVALS_MS.find((ms) => ms >= wanted) ?? Math.ceil(wanted / 86_400_000) * 86_400_000;
}

/** A date histogram over the range with empty buckets filled, so series draw as zeros rather than gaps. */
export function dateHistogram(ctx: QueryContext, intervalMs = bucketIntervalMs(ctx)): estypes.AggregationsDateHistogramAggregation {
  return {
    field: '@timestamp',
    fixed_interval: `${intervalMs}ms`,
    min_doc_count: 0,
    extended_bounds: { min: ctx.from.getTime(), max: ctx.to.getTime() - 1 },
  };
}

export function field(name: string, type: FieldType, values: FieldJson['values'], extra: Omit<FieldJson, 'name' | 'type' | 'values'> = {}): FieldJson {
  return { name, type, values, ...extra };
}

export function frame(name: string, fields: FieldJson[], meta?: FrameJson['meta']): FrameJson {
  return meta ? { name, fields, meta } : { name, fields };
}

export interface Bucket {
  key: number | string;
  key_as_string?: string;
  doc_count: number;
  [sub: string]: unknown;
}

/** Buckets of a terms/histogram/date_histogram aggregation in a response, or none. */
export function bucketsOf(aggregations: unknown, name: string): Bucket[] {
  const agg = (aggregations as Record<string, { buckets?: Bucket[] } | undefined> | undefined)?.[name];
  return Array.isArray(agg?.buckets) ? agg.buckets : [];
}

export function valueOf(container: unknown, name: string): number | null {
  const agg = (container as Record<string, { value?: number | null } | undefined> | undefined)?.[name];
  return typeof agg?.value === 'number' && Number.isFinite(agg.value) ? agg.value : null;
}

/** Searches for aggregations only; indices other components create later may not exist yet. */
export function aggregate(ctx: QueryContext, index: string, query: Query, aggs: Aggregations): Promise<Record<string, unknown> | undefined> {
  return ctx.reader.aggregate(index, query, aggs);
}
