/**
 * The `ueba` rule type: lets the detection engine run UEBA scoring like any other rule — streaming and
 * retro-hunts, the same alert writer, the same deterministic ids and merge rules. One evaluation unit per entity
 * kind of the rule; each anomaly candidate becomes a finding whose `observed` is the anomaly score (so a rule's
 * severity ladder reads scores) and whose explanation carries feature, observed, expected ± spread and the
 * baseline window.
 *
 * Scoring reads stored baselines: the evaluator is built with them (uebaEvaluator(scoring)) when the app composes
 * the engine's evaluator table (rule-evaluators.ts).
 */
import { durationMs } from '../detection/duration.js';
import { MAX_EVIDENCE_IDS, esPredicate, eventFilter, type EvaluationUnit, type Finding, type RuleEvaluator } from '../detection/evaluation.js';
import { readsText } from '../detection/predicate.js';
import { ENTITY_FIELDS, type EntityField, type UebaRule } from '../detection/rule-schema.js';
import { DEFAULT_PARAMS, type AnomalyCandidate, type UebaParams } from './anomaly.js';
import { ENTITY_FIELD, ENTITY_KINDS, type EntityKind } from './entities.js';
import { evaluateUebaRules, eventsOfProfiledEntities, eventsWithUnseenValues, FIRST_SEEN_FIELD, HOURLY, type UebaEvaluationContext } from './window-evaluation.js';

const KIND_OF_FIELD = new Map<string, EntityKind>(ENTITY_KINDS.map((k) => [ENTITY_FIELD[k], k]));
const FIRST_SEEN = new Set(['new_country', 'new_model_for_user']);

export function uebaParams(rule: UebaRule, kind: EntityKind): UebaParams {
  return { ...DEFAULT_PARAMS[rule.anomaly], ...rule.params, entity_kinds: [kind] };
}

function toFinding(rule: UebaRule, unit: EvaluationUnit, candidate: AnomalyCandidate, params: UebaParams): Finding {
  const firstSeen = FIRST_SEEN.has(candidate.anomaly);
  // a first-seen anomaly is an instant (its first event); the others are the scored hour
  const windowStart = firstSeen ? Date.parse(candidate.timestamp) : Date.parse(candidate.window_start);
  const windowEnd = firstSeen ? windowStart : Date.parse(candidate.window_end) - 1;
  const entity: Partial<Record<EntityField, string>> = {};
  for (const [field, value] of Object.entries(candidate.fields)) {
    if ((ENTITY_FIELDS as readonly string[]).includes(field)) entity[field as EntityField] = value;
  }
  // first-seen values of one entity within the rule's window are one episode (one act of probing, one alert
  // listing the new values); token shifts keep one alert per feature
  const signal = candidate.anomaly === 'token_shift' ? candidate.feature : undefined;
  return {
      rule,
      ...(signal !== undefined ? { signal } : {}),
      entity,
      keyFields: unit.keyFields,
      windowStart,
      windowEnd,
      firedAt: Date.parse(candidate.timestamp),
      observed: candidate.score,
      threshold: params.min_score,
      eventCount: candidate.event_count,
      eventIds: [],
      explanation: {
        anomaly: candidate.anomaly,
        entity_kind: candidate.entity_kind,
        feature: candidate.feature,
        observed: candidate.observed,
        expected: candidate.expected,
        spread: candidate.spread,
        score: candidate.score,
        log10_probability: candidate.log10_probability,
        baseline_window: candidate.baseline_window,
        ...(candidate.observed_value !== undefined ? { observed_value: candidate.observed_value } : {}),
        ...(firstSeen && candidate.observed_value !== undefined ? { new_values: [candidate.observed_value] } : {}),
        ...(candidate.expected_values !== undefined ? { expected_values: candidate.expected_values.slice(0, 25) } : {}),
        text: candidate.explanation,
      },
      // consecutive anomalous hours of an entity are one episode; so are its new values within the rule's window
      mergeGapMs: firstSeen ? durationMs(rule.window ?? '1h') : 1,
    };
  }

  /** The evaluator of `type: ueba` rules, scoring against the baselines `context` reads. */
  export function uebaEvaluator(context: UebaEvaluationContext): RuleEvaluator<UebaRule> {
    return {
    units(rule) {
      // the peer rule scores department-hours: a slice's users are one evaluation, its groups read once
      if (rule.anomaly === 'peer_outlier') return [{ trigger: rule.where, keyFields: [ENTITY_FIELD.user as EntityField], lookaheadMs: 1, keysPerScope: Infinity }];
      return rule.entity_kinds.map((kind) => ({ trigger: rule.where, keyFields: [ENTITY_FIELD[kind] as EntityField], lookaheadMs: 1 }));
    },

    async *evaluate(rule, unit, scope, ctx) {
      const kind = KIND_OF_FIELD.get(unit.keyFields[0]!)!;
      const params = uebaParams(rule, kind);
      const where = esPredicate(rule.where, ctx.config, scope.from, scope.to);
      const candidates = evaluateUebaRules(
        context,
        {
          from: scope.from,
          to: scope.to,
          filter: where.query,
          ...(scope.keys ? { entities: scope.keys.map((k) => k[0]!), memory: ctx.memory } : {}),
          // streamed events lack prompt and response text: a rule reading them cannot tell which events it counts
          ...(scope.events ? { events: scope.events, countable: where.exact && !readsText(rule.where) } : {}),
          ...(scope.defer ? { recheck: (hour: number, group: string, user: string, at: number) => scope.defer!(`${hour}|${group}`, { from: hour, to: hour + 1, keys: [[user]] }, at) } : {}),
        },
        [{ rule_id: rule.id, anomaly: rule.anomaly, params }],
      );
      if (!FIRST_SEEN.has(rule.anomaly)) {
        for await (const candidate of candidates) yield toFinding(rule, unit, candidate, params);
        return;
      }
      // first-seen values in time order, so that an episode is anchored at its first new value in every mode
      const found: AnomalyCandidate[] = [];
      for await (const candidate of candidates) found.push(candidate);
      found.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || String(a.observed_value).localeCompare(String(b.observed_value)));
      for (const candidate of found) yield toFinding(rule, unit, candidate, params);
    },

    async relevant(rule, unit, events, ctx) {
      const kind = KIND_OF_FIELD.get(unit.keyFields[0]!)!;
      const valueField = FIRST_SEEN_FIELD[rule.anomaly];
      if (valueField) return eventsWithUnseenValues(context, kind, valueField, uebaParams(rule, kind), events, ctx.memory);
      if (HOURLY.includes(rule.anomaly)) return eventsOfProfiledEntities(context, kind, events);
      return events; // peers: the departments of these users are scored afresh, as a whole
    },

    async evidence(rule, _unit, entity, windowStart, windowEnd, ctx) {
      const fields = Object.keys(entity) as EntityField[];
      const filter = eventFilter(rule.where, ctx.config, windowStart, windowEnd, fields, [fields.map((f) => entity[f]!)], true);
      const { ids, total } = await ctx.store.firstIds(filter.query, MAX_EVIDENCE_IDS);
      return { count: total, ids };
    },
  };
}
