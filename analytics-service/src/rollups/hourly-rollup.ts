/**
 * Hourly event counts: the model of the rollup index that the event-count query kinds read for whole hours.
 *
 * One rollup row per (hour, combination of the dimensions below) present among the events of that hour, holding
 * how many events it stands for (Elasticsearch's `_doc_count`, so the very same aggregations count events on the
 * rollup as on the raw data stream). A row also records the watermark it was computed under: it counts exactly the
 * events of its hour whose `event.ingested` is before that watermark. Rows are recomputed, never incremented, and
 * their ids are derived from (hour, dimensions), so a replayed or repeated recompute overwrites rather than adds.
 *
 * The exactness argument (rollup-job.ts keeps it, query/rollup-split.ts relies on it):
 * - a run with watermark W recomputes every hour that has an event with `event.ingested` in [previous W, W), each
 *   from all of that hour's events ingested before W, and only then commits W;
 * - so once W is committed, every rolled hour counts exactly its events ingested before W, and a query adds the raw
 *   events with `event.ingested` ≥ W (few: those of the last minutes) — never an event twice, never one missed;
 * - rows and watermark are written with Elasticsearch's external versioning (version = W), so an older run can never
 *   overwrite a newer one, and a query that sees a row newer than the committed W (a run in progress) does not use
 *   the rollup at all.
 */
import { createHash } from 'node:crypto';
import { DAY_MS, HOUR_MS } from '../time/units.js';

/** The fields events are counted by: those the event-count kinds group and filter by, except user_id (too many). */
export const ROLLUP_DIMENSIONS = ['category', 'severity', 'decision', 'model', 'endpoint', 'risk_tier'] as const;
/** The per-user rollup's fields: the same, and user_id (for user-keyed answers: event_volume by user, risk_matrix's users). */
export const USER_ROLLUP_DIMENSIONS = [...ROLLUP_DIMENSIONS, 'user_id'] as const;
export type RollupDimension = (typeof USER_ROLLUP_DIMENSIONS)[number];
export type RollupKey = Partial<Record<RollupDimension, string | number>>;

/**
 * One rollup: the width of its time buckets and the fields its rows are keyed by. The same model, job and store
 * serve every definition; the hourly event counts, the daily per-user counts and the hourly per-user counts are three
 * instances (three indices, three watermarks). Per user, hour rows are almost as many as events (2.26M rows for 5M
 * events in the query benchmark's data); day rows are 8× fewer (635K), so users are ranked from whole days.
 */
export interface RollupDefinition {
  name: string;
  /** bucket width: buckets start at multiples of it since the epoch (an hour; a day = UTC days) */
  bucketMs: number;
  dimensions: readonly RollupDimension[];
  /** buckets recomputed per round of requests: bounds the composite aggregation's ranges and the stale-row search (rows are held a page at a time) */
  bucketsPerRound: number;
  /**
   * Least time between two runs that advance this rollup's watermark (default: every run). A day bucket is
   * recomputed from all of its events each time it moves, so today's row costs a read of all of today's events:
   * run once an hour, that cost stays bounded however busy the day; queries stay exact meanwhile, reading the raw
   * events ingested since the watermark (hourly-rollup.ts file comment).
   */
  minRunIntervalMs?: number;
}

export const HOURLY_COUNTS: RollupDefinition = { name: 'hourly event counts', bucketMs: HOUR_MS, dimensions: ROLLUP_DIMENSIONS, bucketsPerRound: 24 };
export const DAILY_USER_COUNTS: RollupDefinition = { name: 'daily per-user event counts', bucketMs: DAY_MS, dimensions: USER_ROLLUP_DIMENSIONS, bucketsPerRound: 1, minRunIntervalMs: HOUR_MS };
/**
 * Hourly per-user counts: too many rows to rank users from (2.26M for 5M events in the benchmark), but a few users'
 * rows are few, so `event_volume` by user draws the hourly histograms of its top users from them.
 */
export const HOURLY_USER_COUNTS: RollupDefinition = { name: 'hourly per-user event counts', bucketMs: HOUR_MS, dimensions: USER_ROLLUP_DIMENSIONS, bucketsPerRound: 6 };

export interface RollupRow {
  /** start of the row's bucket (the hour, or the day), epoch ms */
  hour: number;
  /** dimension values; a missing field is absent, as on the event */
  key: RollupKey;
  count: number;
}

/** What one rollup document holds in Elasticsearch (also its mapping's fields). */
export interface RollupDocument extends RollupKey {
  '@timestamp': number;
  _doc_count: number;
  /** the watermark the row was computed under: it counts the hour's events with event.ingested before it */
  ingested_before: number;
}

export const hourFloor = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const hourCeil = (ms: number): number => Math.ceil(ms / HOUR_MS) * HOUR_MS;

/** Deterministic id of a row: the same hour and dimensions always give the same document (within one definition). */
export function rollupDocId(hour: number, key: RollupKey, definition: RollupDefinition = HOURLY_COUNTS): string {
  const values = definition.dimensions.map((d) => (key[d] === undefined ? null : key[d]));
  return `${hour}:${createHash('sha256').update(JSON.stringify(values)).digest('base64url').slice(0, 27)}`;
}

export function rollupDocument(row: RollupRow, ingestedBefore: number): RollupDocument {
  return { '@timestamp': row.hour, ...row.key, _doc_count: row.count, ingested_before: ingestedBefore };
}

/**
 * The whole hours (or buckets of `bucketMs`) inside [from, to): the part of a range a rollup can answer. Undefined
 * when the range holds no whole one.
 */
export function wholeHours(from: number, to: number, bucketMs = HOUR_MS): { from: number; to: number } | undefined {
  const start = Math.ceil(from / bucketMs) * bucketMs;
  const end = Math.floor(to / bucketMs) * bucketMs;
  return start < end ? { from: start, to: end } : undefined;
}

/** Whether a date histogram of this bucket width puts every event of an hour into one bucket (epoch-aligned buckets). */
export const hourAlignedInterval = (intervalMs: number): boolean => intervalMs >= HOUR_MS && intervalMs % HOUR_MS === 0;
