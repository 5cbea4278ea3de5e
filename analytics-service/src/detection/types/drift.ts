/**
 * drift (`judge_drift`): per `by` entity (judge model) and calendar day in the configured time zone, the day's
 * scores assessed against the `trailing_days` days before it by assurance/judge-drift-assessment.ts — the one
 * judge-drift definition the API and the Grafana query kind use too. Fires on any flag (mean shift,
 * distribution shift, low reviewer agreement); one alert per entity and day, observed = |daily − trailing mean|.
 * A day still in progress is judged on its events so far.
 */
import { assessJudgeDays, type JudgeDayAssessment, type JudgeDayStats, type JudgeDriftSettings } from '../../assurance/judge-drift-assessment.js';
import { judgeDayAggregations, judgeDayStats } from '../../elasticsearch/judge-days.js';
import { DAY_MS } from '../../time/units.js';
import { localDayStart } from '../../time/zone-calendar.js';
import { MAX_EVIDENCE_IDS, eventFilter, type EvaluationUnit, type Finding, type RuleEvaluator } from '../evaluation.js';
import type { DriftRule, EntityField } from '../rule-schema.js';
import { driftExport } from './drift-export.js';


/** The rule's parameters as judge drift settings: the API and the query kind read them from here. */
export function judgeDriftSettingsOf(rule: DriftRule, timeZone: string): JudgeDriftSettings {
  return {
    timeZone,
    trailingDays: rule.trailing_days,
    minTrailingDays: rule.min_trailing_days,
    minEventsPerDay: rule.min_events_per_day,
    maxAbsDiff: rule.max_abs_diff,
    alpha: rule.alpha,
    minPsi: rule.min_psi,
    minReviewed: rule.min_reviewed,
    minAgreement: rule.min_agreement,
  };
}

export const driftEvaluator: RuleEvaluator<DriftRule> = {
  export: driftExport,

  units(rule) {
    return [{ trigger: rule.where, keyFields: [rule.by as EntityField], lookaheadMs: 1 }];
  },

  async *evaluate(rule, unit, scope, ctx) {
    const settings = judgeDriftSettingsOf(rule, ctx.config.timezone);
    const tz = settings.timeZone;
    const firstDay = localDayStart(scope.from, tz);
    const lastDay = localDayStart(scope.to - 1, tz);
    const from = localDayStart(firstDay - rule.trailing_days * DAY_MS - DAY_MS / 2, tz);
    const to = localDayStart(lastDay + DAY_MS + DAY_MS / 2, tz);
    const filter = eventFilter(rule.where, ctx.config, from, to, unit.keyFields, scope.keys);
    const days = new Map<string, JudgeDayStats[]>();
    const sources = [
      { [rule.by]: { terms: { field: rule.by } } },
      { day: { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: tz } } },
    ];
    for await (const b of ctx.store.composite(filter.query, sources, judgeDayAggregations(rule.field))) {
      const entity = String(b.key[rule.by]);
      const list = days.get(entity) ?? [];
      list.push(judgeDayStats(Number(b.key.day), b.aggs));
      days.set(entity, list);
    }
    for (const [entity, stats] of days) {
      for (const assessment of assessJudgeDays(stats, firstDay, lastDay + 1, settings)) {
        if (assessment.flags.length === 0) continue;
        const last = stats.find((s) => s.day === assessment.day)!.last;
        yield finding(rule, unit, entity, assessment, localDayStart(assessment.day + DAY_MS + DAY_MS / 2, tz), last);
      }
    }
  },

  async evidence(rule, unit, entity, windowStart, windowEnd, ctx) {
    const filter = eventFilter(rule.where, ctx.config, windowStart, windowEnd, unit.keyFields, [[entity[rule.by as EntityField]!]], true);
    const { ids, total } = await ctx.store.firstIds(filter.query, MAX_EVIDENCE_IDS);
    return { count: total, ids };
  },
};

function finding(rule: DriftRule, unit: EvaluationUnit, entity: string, day: JudgeDayAssessment, nextDay: number, last: number): Finding {
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  const p = (x: number | undefined) => (x === undefined ? undefined : Number(x.toPrecision(3)));
  return {
    rule,
    entity: { [rule.by]: entity },
    keyFields: unit.keyFields,
    windowStart: day.day,
    windowEnd: nextDay - 1,
    firedAt: last,
    observed: round(day.abs_diff ?? 0),
    threshold: rule.max_abs_diff,
    eventCount: day.count,
    eventIds: [],
    explanation: {
      flags: day.flags,
      daily_mean: round(day.mean),
      ...(day.trailing_mean !== undefined ? { trailing_mean: round(day.trailing_mean) } : {}),
      trailing_days_used: day.trailing_days,
      events_that_day: day.count,
      ...(day.mean_shift_p !== undefined ? { mean_shift_p: p(day.mean_shift_p) } : {}),
      ...(day.psi !== undefined ? { psi: round(day.psi) } : {}),
      ...(day.distribution_p !== undefined ? { distribution_p: p(day.distribution_p) } : {}),
      ...(day.agreement !== undefined ? { reviewer_agreement: round(day.agreement), reviewed: day.reviewed } : {}),
      alpha: rule.alpha,
      day: new Date(day.day).toISOString(),
    },
    mergeGapMs: 0,
  };
}
