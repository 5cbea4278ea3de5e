/**
 * Scores a time range against UEBA baselines: the per-(entity, local hour) rules here, first-seen values in
 * first-seen-evaluation.ts, peer groups in peer-evaluation.ts; the Elasticsearch reads are in
 * elasticsearch/ueba-scoring-reader.ts and the statistics in anomaly-scoring.ts. Streaming windows and retro-hunts
 * call the same code; the unit of scoring is always a whole hour (or a whole first occurrence), so evaluating an hour
 * twice finds the same anomaly with the same dedup key, and only streaming keeps memory between calls.
 */
import { EsTiming } from '../elasticsearch/composite-pager.js';
import { hourlyFeaturePages, type HourlyBucket } from '../elasticsearch/ueba-scoring-reader.js';
import { asRule, type AnomalyCandidate } from './anomaly.js';
import { scoreCostSpike, scoreOffProfileHours, scoreTokenShift, scoreVolumeSpike, type ScoredHour, type TokenObservation } from './anomaly-scoring.js';
import { ENTITY_FIELD, type EntityKind } from './entities.js';
import { firstSeenCandidates } from './first-seen-evaluation.js';
import { HOUR_MS, HourOfWeekCalendar } from './hour-of-week.js';
import { peerCandidates } from './peer-evaluation.js';
import { FIRST_SEEN_FIELD, HOURLY, SCORING_READ, hoursCovering, type UebaEvaluationContext, type UebaRuleRun, type UebaScope } from './window-context.js';

export { eventsWithUnseenValues } from './first-seen-evaluation.js';
export { FIRST_SEEN_FIELD, HOURLY, hoursCovering, type UebaEvaluationContext, type UebaRuleRun, type UebaScope } from './window-context.js';

const median = (agg: HourlyBucket['tokens_out']) => agg?.values.find((v) => v.key === 50)?.value ?? undefined;

function tokenObservation(bucket: HourlyBucket): TokenObservation {
  const observation: TokenObservation = { requests: bucket.doc_count };
  const out = median(bucket.tokens_out);
  const inn = median(bucket.tokens_in);
  if (out !== undefined) observation.tokens_out_median = out;
  if (inn !== undefined) observation.tokens_in_median = inn;
  return observation;
}

async function* hourlyCandidates(ctx: UebaEvaluationContext, calendar: HourOfWeekCalendar, kind: EntityKind, hours: { from: number; to: number }, scope: UebaScope, rules: UebaRuleRun[], timing: EsTiming): AsyncGenerator<AnomalyCandidate> {
  // nothing to score against until baselines of this kind exist (a fresh install, or a hunt before the first rebuild)
  if (!(await ctx.baselines.hasAny(kind))) return;
  const want = { tokens: rules.some((r) => r.anomaly === 'token_shift'), cost: rules.some((r) => r.anomaly === 'cost_spike') };
  for await (const page of hourlyFeaturePages(ctx, ENTITY_FIELD[kind], { ...scope, ...hours }, want, timing)) {
    const baselines = await ctx.baselines.getMany(kind, [...new Set(page.map((b) => b.key.entity))], timing, SCORING_READ);
    for (const bucket of page) {
      const baseline = baselines.get(bucket.key.entity);
      if (!baseline) continue; // no baseline yet: a new entity is nobody's anomaly (the peer rule covers new users)
      const hour: ScoredHour = { kind, id: bucket.key.entity, start: bucket.key.hour, end: bucket.key.hour + HOUR_MS, slot: calendar.slotOf(bucket.key.hour) };
      for (const { rule_id, anomaly, params } of rules) {
        let found: AnomalyCandidate | undefined;
        if (anomaly === 'volume_spike') found = scoreVolumeSpike(baseline, hour, bucket.doc_count, params);
        else if (anomaly === 'off_profile_hours') found = scoreOffProfileHours(baseline, hour, bucket.doc_count, params);
        else if (anomaly === 'cost_spike') found = scoreCostSpike(baseline, hour, bucket.cost?.value ?? 0, bucket.doc_count, params);
        else if (anomaly === 'token_shift') found = scoreTokenShift(baseline, hour, tokenObservation(bucket), params);
        if (found) yield asRule(found, rule_id);
      }
    }
  }
}

/** Of new request events, those of entities with a baseline: the only ones the hourly rules can score. */
export async function eventsOfProfiledEntities<E extends Record<string, unknown>>(ctx: UebaEvaluationContext, kind: EntityKind, events: E[]): Promise<E[]> {
  if (events.length === 0 || !(await ctx.baselines.hasAny(kind))) return [];
  const field = ENTITY_FIELD[kind];
  const baselines = await ctx.baselines.getMany(kind, [...new Set(events.map((e) => String(e[field])))], undefined, SCORING_READ);
  return events.filter((e) => baselines.has(String(e[field])));
}

/** Every anomaly the given UEBA rules find in [from, to). Memory: one composite page and its baselines. */
export async function* evaluateUebaRules(ctx: UebaEvaluationContext, scope: UebaScope, rules: UebaRuleRun[]): AsyncGenerator<AnomalyCandidate> {
  const timing = ctx.timing ?? new EsTiming();
  const calendar = new HourOfWeekCalendar(ctx.timeZone);
  const hours = hoursCovering(calendar, scope.from, scope.to);

  const hourly = rules.filter((r) => HOURLY.includes(r.anomaly));
  const kinds = new Set(hourly.flatMap((r) => r.params.entity_kinds));
  for (const kind of kinds) {
    const forKind = hourly.filter((r) => r.params.entity_kinds.includes(kind));
    yield* hourlyCandidates(ctx, calendar, kind, hours, scope, forKind, timing);
  }
  for (const rule of rules.filter((r) => FIRST_SEEN_FIELD[r.anomaly])) {
    for (const kind of rule.params.entity_kinds) yield* firstSeenCandidates(ctx, calendar, kind, scope, rule, timing);
  }
  for (const rule of rules.filter((r) => r.anomaly === 'peer_outlier')) yield* peerCandidates(ctx, calendar, hours, scope, rule, timing);
}
