/**
 * Kinds computed from the events data stream: event volume, guardrail effectiveness (risk tier × category: risk-matrix.ts).
 */
import { aggregate, bucketIntervalMs, bucketsOf, dateHistogram, eventFilters, field, frame, type Bucket, type QueryContext } from './context.js';
import type { EventGroupField, FrameJson, QueryTargetOf } from './kinds.js';
import { hourAlignedInterval } from '../rollups/hourly-rollup.js';
import { mergeTermSeries, splitAggregate } from './rollup-split.js';
import { rolledUpUserVolume } from './user-volume.js';

/** Seed 001 panel 1: `timechart count by category`, one frame per group so Grafana draws one line each. */
export async function eventVolume(ctx: QueryContext, target: QueryTargetOf<'event_volume'>): Promise<FrameJson[]> {
  const groupBy = target.groupBy ?? 'category';
  const limit = target.limit ?? 15;
  const { series, other } = (await rolledUpVolume(ctx, target, groupBy, limit)) ?? (await rawVolume(ctx, target, groupBy, limit));
  const frames = series.map((s) => {
    const label = String(s.key);
    return frame(label, [
      field('Time', 'time', s.buckets.map((b) => Number(b.key))),
      field('events', 'number', s.buckets.map((b) => b.doc_count), { labels: { [groupBy]: label }, config: { displayNameFromDS: label } }),
    ]);
  });
  if (other > 0 && frames[0]) {
    frames[0].meta = { notices: [{ severity: 'info', text: `${other} events in further ${groupBy} values are not drawn; raise the limit to see them` }] };
  }
  return frames;
}

interface VolumeSeries {
  series: Array<{ key: number | string; buckets: Bucket[] }>;
  /** events in values beyond the limit */
  other: number;
}

const volumeAggs = (ctx: QueryContext, groupBy: EventGroupField, size: number) => ({
  series: {
    terms: { field: groupBy, size, ...(groupBy === 'risk_tier' ? {} : { missing: '(none)' }) },
    aggs: { over_time: { date_histogram: dateHistogram(ctx) } },
  },
});

async function rawVolume(ctx: QueryContext, target: QueryTargetOf<'event_volume'>, groupBy: EventGroupField, limit: number): Promise<VolumeSeries> {
  const aggs = await aggregate(ctx, ctx.indices.events, { bool: { filter: eventFilters(ctx, target) } }, volumeAggs(ctx, groupBy, limit));
  return {
    series: bucketsOf(aggs, 'series').map((s) => ({ key: s.key, buckets: bucketsOf(s, 'over_time') })),
    other: (aggs?.series as { sum_other_doc_count?: number } | undefined)?.sum_other_doc_count ?? 0,
  };
}

/** Buckets Elasticsearch may build for one request (its search.max_buckets is 65 536): room for the histograms of every value. */
const BUCKET_BUDGET = 50_000;

/**
 * From the rollups where exact: by user from the daily per-user rollup (user-volume.ts); by any other field from the
 * hourly event counts, only with buckets of whole hours.
 * Every value of `groupBy` is fetched from both parts so that the top `limit` of their sum is exact.
 */
async function rolledUpVolume(ctx: QueryContext, target: QueryTargetOf<'event_volume'>, groupBy: EventGroupField, limit: number): Promise<VolumeSeries | undefined> {
  if (groupBy === 'user_id') return rolledUpUserVolume(ctx, target, limit);
  const intervalMs = bucketIntervalMs(ctx);
  if (!hourAlignedInterval(intervalMs)) return undefined;
  const histogramBuckets = Math.ceil((ctx.to.getTime() - ctx.from.getTime()) / intervalMs) + 1;
  const size = Math.min(1000, Math.max(limit, Math.floor(BUCKET_BUDGET / histogramBuckets)));
  const split = await splitAggregate(ctx, target, {}, volumeAggs(ctx, groupBy, size));
  const merged = split && mergeTermSeries([split.rolled, split.raw], 'series', 'over_time');
  if (!merged) return undefined;
  return { series: merged.slice(0, limit), other: merged.slice(limit).reduce((n, s) => n + s.count, 0) };
}

const GUARDRAIL_CAUGHT = { term: { category: 'guardrail_block' } };
const JUDGE_CAUGHT_AFTER_PASS = { bool: { filter: [{ term: { category: 'judge_flag' } }, { term: { guardrail_result: 'pass' } }] } };

function percentage(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : null;
}

/**
 * Seed 001 panel 3: guardrail-caught (`guardrail_block`) vs judge-caught-after-pass (`judge_flag` with
 * guardrail_result=pass). The category filter does not apply: the kind defines the two categories it counts.
 */
export async function guardrailEffectiveness(ctx: QueryContext, target: QueryTargetOf<'guardrail_effectiveness'>): Promise<FrameJson[]> {
  const query = { bool: { filter: eventFilters(ctx, target, { categories: ['guardrail_block', 'judge_flag'] }) } };
  const caught = { filters: { filters: { guardrail: GUARDRAIL_CAUGHT, judge: JUDGE_CAUGHT_AFTER_PASS } } };
  const counts = (b: unknown) => {
    const f = (b as { caught?: { buckets?: Record<string, { doc_count: number }> } }).caught?.buckets ?? {};
    return { guardrail: f.guardrail?.doc_count ?? 0, judge: f.judge?.doc_count ?? 0 };
  };

  if ((target.format ?? 'timeseries') === 'timeseries') {
    const aggs = await aggregate(ctx, ctx.indices.events, query, { over_time: { date_histogram: dateHistogram(ctx), aggs: { caught } } });
    const buckets = bucketsOf(aggs, 'over_time').map((b) => ({ time: Number(b.key), ...counts(b) }));
    return [
      frame('guardrail_effectiveness', [
        field('Time', 'time', buckets.map((b) => b.time)),
        field('guardrail_caught', 'number', buckets.map((b) => b.guardrail), { config: { displayNameFromDS: 'Caught by guardrail' } }),
        field('judge_caught_after_pass', 'number', buckets.map((b) => b.judge), { config: { displayNameFromDS: 'Caught by judge after guardrail pass' } }),
        field('guardrail_pct', 'number', buckets.map((b) => percentage(b.guardrail, b.guardrail + b.judge)), {
          config: { unit: 'percent', min: 0, max: 100, displayNameFromDS: 'Guardrail effectiveness' },
        }),
      ]),
    ];
  }

  const aggs = await aggregate(ctx, ctx.indices.events, query, {
    caught,
    ...(target.byPolicy ? { policies: { terms: { field: 'policy_violated', size: 50, missing: '(none)' }, aggs: { caught } } } : {}),
  });
  const rows: Array<{ policy: string; guardrail: number; judge: number }> = target.byPolicy
    ? bucketsOf(aggs, 'policies').map((b) => ({ policy: String(b.key), ...counts(b) }))
    : [{ policy: '(all)', ...counts(aggs ?? {}) }];
  return [
    frame('guardrail_effectiveness', [
      ...(target.byPolicy ? [field('policy', 'string', rows.map((r) => r.policy))] : []),
      field('guardrail_caught', 'number', rows.map((r) => r.guardrail)),
      field('judge_caught_after_pass', 'number', rows.map((r) => r.judge)),
      field('guardrail_pct', 'number', rows.map((r) => percentage(r.guardrail, r.guardrail + r.judge)), { config: { unit: 'percent', min: 0, max: 100 } }),
      field('judge_pct', 'number', rows.map((r) => percentage(r.judge, r.guardrail + r.judge)), { config: { unit: 'percent', min: 0, max: 100 } }),
    ]),
  ];
}
