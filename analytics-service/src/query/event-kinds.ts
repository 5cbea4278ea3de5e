/**
 * Kinds computed from the events data stream: event volume, risk tier × category, guardrail effectiveness.
 */
import { SEVERITIES, severityRank, type Severity } from '../contract/event-schema.js';
import { aggregate, bucketsOf, dateHistogram, eventFilters, field, frame, type Bucket, type QueryContext } from './context.js';
import type { FrameJson, QueryTargetOf } from './kinds.js';

/** Seed 001 panel 1: `timechart count by category`, one frame per group so Grafana draws one line each. */
export async function eventVolume(ctx: QueryContext, target: QueryTargetOf<'event_volume'>): Promise<FrameJson[]> {
  const groupBy = target.groupBy ?? 'category';
  const aggs = await aggregate(ctx, ctx.indices.events, { bool: { filter: eventFilters(ctx, target) } }, {
    series: {
      terms: { field: groupBy, size: target.limit ?? 15, ...(groupBy === 'risk_tier' ? {} : { missing: '(none)' }) },
      aggs: { over_time: { date_histogram: dateHistogram(ctx) } },
    },
  });
  const series = bucketsOf(aggs, 'series');
  const frames = series.map((s) => {
    const label = String(s.key);
    const buckets = bucketsOf(s, 'over_time');
    return frame(label, [
      field('Time', 'time', buckets.map((b) => Number(b.key))),
      field('events', 'number', buckets.map((b) => b.doc_count), { labels: { [groupBy]: label }, config: { displayNameFromDS: label } }),
    ]);
  });
  const other = (aggs?.series as { sum_other_doc_count?: number } | undefined)?.sum_other_doc_count ?? 0;
  if (other > 0 && frames[0]) {
    frames[0].meta = { notices: [{ severity: 'info', text: `${other} events in further ${groupBy} values are not drawn; raise the limit to see them` }] };
  }
  return frames;
}

/** The highest severity that has events in a bucket's `severities` terms, on the seed-004 ladder. */
function highestSeverity(bucket: Bucket): Severity | null {
  let best: Severity | null = null;
  for (const s of bucketsOf(bucket, 'severities')) {
    const severity = String(s.key) as Severity;
    if (!(SEVERITIES as readonly string[]).includes(severity)) continue;
    if (best === null || severityRank(severity) > severityRank(best)) best = severity;
  }
  return best;
}

/**
 * Seed 001 panel 4: `stats count by risk_tier, category`, in long format (one row per cell) with what a
 * drill-down needs: the highest severity seen in the cell, how many users, and the user with most events.
 */
export async function riskMatrix(ctx: QueryContext, target: QueryTargetOf<'risk_matrix'>): Promise<FrameJson[]> {
  const query = {
    bool: {
      filter: eventFilters(ctx, target),
      must_not: target.includeRequests ? [] : [{ term: { category: 'request' } }],
    },
  };
  const aggs = await aggregate(ctx, ctx.indices.events, query, {
    tiers: {
      terms: { field: 'risk_tier', size: 10, missing: 0 },
      aggs: {
        categories: {
          terms: { field: 'category', size: 50 },
          aggs: {
            severities: { terms: { field: 'severity', size: SEVERITIES.length } },
            users: { cardinality: { field: 'user_id' } },
            top_user: { terms: { field: 'user_id', size: 1 } },
          },
        },
      },
    },
  });
  const rows: Array<{ tier: number; category: string; count: number; severity: Severity | null; users: number; topUser: string | null }> = [];
  for (const tier of bucketsOf(aggs, 'tiers')) {
    for (const cell of bucketsOf(tier, 'categories')) {
      rows.push({
        tier: Number(tier.key),
        category: String(cell.key),
        count: cell.doc_count,
        severity: highestSeverity(cell),
        users: (cell.users as { value?: number } | undefined)?.value ?? 0,
        topUser: bucketsOf(cell, 'top_user')[0] ? String(bucketsOf(cell, 'top_user')[0]!.key) : null,
      });
    }
  }
  rows.sort((a, b) => a.tier - b.tier || b.count - a.count);
  if (rows.length === 0) return [];
  return [
    frame(
      'risk_matrix',
      [
        field('risk_tier', 'number', rows.map((r) => r.tier), { config: { displayName: 'Risk tier' } }),
        field('category', 'string', rows.map((r) => r.category)),
        field('events', 'number', rows.map((r) => r.count)),
        field('max_severity', 'string', rows.map((r) => r.severity)),
        field('users', 'number', rows.map((r) => r.users)),
        field('top_user', 'string', rows.map((r) => r.topUser)),
      ],
      { preferredVisualisationType: 'table', custom: { tierZeroMeans: 'event has no risk_tier' } },
    ),
  ];
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
