/**
 * Judge assurance kinds, computed straight from events (any range, any filter) rather than from the daily
 * metrics index, which holds only what the UEBA job has already persisted: score distribution and drift.
 * Both default to `judge_flag` events, as seed 001 counts them, unless the target names categories.
 */
import { judgeDaySeries, judgeReadStart } from '../assurance/judge-drift.js';
import { DAY_MS } from '../time/units.js';
import { localDayStart } from '../time/zone-calendar.js';
import { aggregate, bucketsOf, eventFilters, field, frame, type QueryContext } from './context.js';
import type { FrameJson, QueryTargetOf } from './kinds.js';

const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Seed 001 panel 5: `bin judge_score span=0.1 | stats count by judge_score`, as xMin/xMax/count for Grafana's histogram. */
export async function judgeScoreDistribution(ctx: QueryContext, target: QueryTargetOf<'judge_score_distribution'>): Promise<FrameJson[]> {
  const size = target.bucketSize ?? 0.1;
  const bucketCount = Math.max(1, Math.round(1 / size));
  const edges = Array.from({ length: bucketCount }, (_, i) => round(i * size));
  // a range aggregation rather than `histogram`: floor(0.7 / 0.1) is 6 in floating point, which would put a
  // score of 0.7 in the 0.6 bucket; ranges compare against the edges themselves. The last bucket includes 1.
  const histogram = {
    range: { field: 'judge_score', ranges: edges.map((from, i) => (i === bucketCount - 1 ? { from } : { from, to: edges[i + 1]! })) },
  };
  const categories = target.category && target.category.length > 0 ? target.category : ['judge_flag'];
  const query = { bool: { filter: [...eventFilters(ctx, target, { categories }), { exists: { field: 'judge_score' } }] } };
  const aggs = await aggregate(
    ctx,
    ctx.indices.events,
    query,
    target.byJudgeModel ? { models: { terms: { field: 'judge_model', size: 20, missing: '(none)' }, aggs: { scores: histogram } } } : { scores: histogram },
  );

  const binned = (container: unknown): number[] => bucketsOf(container, 'scores').map((b) => b.doc_count);
  const bounds = [field('xMin', 'number', edges), field('xMax', 'number', edges.map((e, i) => (i === bucketCount - 1 ? 1 : round(e + size))))];

  if (!target.byJudgeModel) {
    const counts = binned(aggs);
    if (counts.every((c) => c === 0)) return [];
    return [frame('judge_score_distribution', [...bounds, field('count', 'number', counts)])];
  }
  const models = bucketsOf(aggs, 'models');
  if (models.length === 0) return [];
  return [
    frame('judge_score_distribution', [
      ...bounds,
      ...models.map((m) => field('count', 'number', binned(m), { labels: { judge_model: String(m.key) }, config: { displayNameFromDS: String(m.key) } })),
    ]),
  ];
}

/**
 * Seed 001 §6's rolling comparison per judge model and day, flagged exactly as the judge_drift rule flags it
 * (assurance/judge-drift.ts: one assessment, the rule's configured parameters). `threshold` and `trailingDays`
 * override them for exploring; the alert keeps the configured ones. Days without scores are null.
 */
export async function judgeDrift(ctx: QueryContext, target: QueryTargetOf<'judge_drift'>): Promise<FrameJson[]> {
  const settings = {
    ...ctx.judgeDrift,
    ...(target.threshold !== undefined ? { maxAbsDiff: target.threshold } : {}),
    ...(target.trailingDays !== undefined ? { trailingDays: target.trailingDays } : {}),
  };
  const from = ctx.from.getTime();
  const to = ctx.to.getTime();
  const categories = target.category && target.category.length > 0 ? target.category : ['judge_flag'];
  const byModel = await ctx.reader.judgeDays({
    index: ctx.indices.events,
    filter: eventFilters(ctx, target, { from: new Date(judgeReadStart(from, settings)), categories }),
    timeZone: settings.timeZone,
    ...(target.judge_model && target.judge_model.length > 0 ? { judgeModels: target.judge_model } : {}),
  });
  const series = judgeDaySeries(byModel, from, to, settings);
  const days: number[] = [];
  for (let day = localDayStart(from, settings.timeZone); day < to; day = localDayStart(day + DAY_MS + DAY_MS / 2, settings.timeZone)) days.push(day);

  return [...byModel.keys()].map((name) => {
    const assessed = new Map(series.filter((d) => d.judge_model === name).map((d) => [Date.parse(d.timestamp), d]));
    const at = days.map((day) => assessed.get(day));
    const labels = { judge_model: name };
    const flagged = at.filter((d) => d?.flagged).length;
    return frame(name, [
      field('Time', 'time', days),
      field('mean_score', 'number', at.map((d) => (d ? round(d.mean_score) : null)), { labels, config: { displayNameFromDS: `${name} daily mean`, min: 0, max: 1 } }),
      field('trailing_mean', 'number', at.map((d) => (d?.trailing_mean !== undefined ? round(d.trailing_mean) : null)), { labels, config: { displayNameFromDS: `${name} ${settings.trailingDays}-day mean`, min: 0, max: 1 } }),
      field('drift', 'number', at.map((d) => (d?.abs_diff !== undefined ? round(d.abs_diff) : null)), { labels, config: { displayNameFromDS: `${name} drift` } }),
      field('flagged', 'boolean', at.map((d) => d?.flagged ?? false), { labels }),
      field('flags', 'number', at.map((d) => d?.count ?? 0), { labels, config: { displayNameFromDS: `${name} judge flags` } }),
      field('reasons', 'string', at.map((d) => (d ? d.flags.join(', ') : '')), { labels }),
    ], { custom: { threshold: settings.maxAbsDiff, trailingDays: settings.trailingDays, alpha: settings.alpha, flaggedDays: flagged } });
  });
}
