/**
 * drift (`judge_drift`): per `by` entity (judge model) and calendar day in the configured time zone, the day's
 * mean of `field` against the trailing mean — the mean of the daily means of the `trailing_days` days before it
 * (days with at least min_events_per_day events; at least min_trailing_days of them). Fires when
 * |daily − trailing| > max_abs_diff and the day itself has at least min_events_per_day events.
 * One alert per entity and day; a day still in progress is judged on its events so far.
 */
import { localTime } from '../business-hours.js';
import {
  MAX_EVIDENCE_IDS,
  eventFilter,
  type EvaluationUnit,
  type Finding,
  type RuleEvaluator,
} from '../evaluation.js';
import type { DriftRule, EntityField } from '../rule-schema.js';

const DAY_MS = 86_400_000;

/** Start of the local day containing `t`, as a UTC instant. */
export function localDayStart(t: number, timeZone: string): number {
  const local = localTime(t, timeZone);
  const wall = local.wallMidnight;
  let guess = wall - local.offsetMs;
  guess = wall - localTime(guess, timeZone).offsetMs;
  return guess;
}

interface DayStat {
  mean: number;
  n: number;
  last: number;
}

export const driftEvaluator: RuleEvaluator<DriftRule> = {
  units(rule) {
    return [{ trigger: rule.where, keyFields: [rule.by as EntityField], lookaheadMs: 1 }];
  },

  async *evaluate(rule, unit, scope, ctx) {
    const tz = ctx.config.timezone;
    const firstDay = localDayStart(scope.from, tz);
    const lastDay = localDayStart(scope.to - 1, tz);
    const from = localDayStart(firstDay - rule.trailing_days * DAY_MS + DAY_MS / 2, tz);
    const to = localDayStart(lastDay + DAY_MS + DAY_MS / 2, tz);
    const filter = eventFilter(rule.where, ctx.config, from, to, unit.keyFields, scope.keys);
    const days = new Map<string, Map<number, DayStat>>();
    const sources = [
      { [rule.by]: { terms: { field: rule.by } } },
      { day: { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: tz } } },
    ];
    for await (const b of ctx.store.composite(filter.query, sources, { mean: { avg: { field: rule.field } }, last: { max: { field: '@timestamp' } } })) {
      const entity = String(b.key[rule.by]);
      if (!days.has(entity)) days.set(entity, new Map());
      days.get(entity)!.set(Number(b.key.day), { mean: (b.aggs.mean as { value: number }).value, n: b.doc_count, last: (b.aggs.last as { value: number }).value });
    }
    for (const [entity, stats] of days) {
      for (const [day, stat] of [...stats].sort((a, b) => a[0] - b[0])) {
        if (day < firstDay || day > lastDay) continue;
        if (stat.n < rule.min_events_per_day) continue;
        const trailing = [...stats].filter(([d, s]) => d < day && d >= day - rule.trailing_days * DAY_MS - DAY_MS / 2 && s.n >= rule.min_events_per_day);
        if (trailing.length < rule.min_trailing_days) continue;
        const trailingMean = trailing.reduce((sum, [, s]) => sum + s.mean, 0) / trailing.length;
        // compared at 1e-9 so that a difference of exactly the threshold (0.8 − 0.65) does not fire on float noise
        const diff = Math.round(Math.abs(stat.mean - trailingMean) * 1e9) / 1e9;
        if (!(diff > rule.max_abs_diff)) continue;
        yield finding(rule, unit, entity, day, localDayStart(day + DAY_MS + DAY_MS / 2, tz), stat, trailingMean, trailing.length, diff);
      }
    }
  },

  async evidence(rule, unit, entity, windowStart, windowEnd, ctx) {
    const filter = eventFilter(rule.where, ctx.config, windowStart, windowEnd, unit.keyFields, [[entity[rule.by as EntityField]!]], true);
    const { ids, total } = await ctx.store.firstIds(filter.query, MAX_EVIDENCE_IDS);
    return { count: total, ids };
  },
};

function finding(rule: DriftRule, unit: EvaluationUnit, entity: string, day: number, nextDay: number, stat: DayStat, trailingMean: number, trailingDays: number, diff: number): Finding {
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    rule,
    entity: { [rule.by]: entity },
    keyFields: unit.keyFields,
    windowStart: day,
    windowEnd: nextDay - 1,
    firedAt: stat.last,
    observed: round(diff),
    threshold: rule.max_abs_diff,
    eventCount: stat.n,
    eventIds: [],
    explanation: { daily_mean: round(stat.mean), trailing_mean: round(trailingMean), trailing_days_used: trailingDays, events_that_day: stat.n, day: new Date(day).toISOString() },
    mergeGapMs: 0,
  };
}
