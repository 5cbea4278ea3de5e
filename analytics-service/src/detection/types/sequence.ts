/**
 * sequence: an event matching `first` (A) and, for the same entity, a later event matching `then` (B)
 * no more than W after it (t_A ≤ t_B ≤ t_A + W), optionally with fields that must differ between A and B.
 *
 * Fires at each B in the scope that has a qualifying A; the episode window runs from the earliest qualifying A
 * to the B. Candidates come from a composite aggregation (entities with some A in [from − W, to) and some B in
 * [from, to)); their A and B events are then scanned in time order.
 */
import { durationMs } from '../duration.js';
import {
  MAX_EVIDENCE_IDS,
  batches,
  byKey,
  compiled,
  entityRecord,
  eventFilter,
  ms,
  sourceFields,
  esPredicate,
  type EvaluationUnit,
  type Finding,
  type RuleEvaluator,
} from '../evaluation.js';
import { compilePredicate, fieldValue, TEXT_FIELDS, type EventDoc } from '../predicate.js';
import type { EntityField, Predicate, SequenceRule } from '../rule-schema.js';
import { scanEvidence, sourcesOf } from './threshold.js';
import { windowMemory } from '../window-memory.js';
import { sequenceExport } from './sequence-export.js';

const eitherStep = (rule: SequenceRule): Predicate => ({ any: [rule.first.where, rule.then.where] });

export const sequenceEvaluator: RuleEvaluator<SequenceRule> = {
  export: sequenceExport,

  units(rule) {
    return [{ trigger: eitherStep(rule), keyFields: rule.group_by as EntityField[], lookaheadMs: durationMs(rule.window) }];
  },

  async *evaluate(rule, unit, scope, ctx) {
    const windowMs = durationMs(rule.window);
    const from = scope.from - windowMs;
    const filter = eventFilter(eitherStep(rule), ctx.config, from, scope.to, unit.keyFields, scope.keys);
    const aQuery = esPredicate(rule.first.where, ctx.config, from, scope.to).query;
    const bQuery = esPredicate(rule.then.where, ctx.config, from, scope.to).query;
    const candidates: string[][] = [];
    const aggs = {
      a: { filter: aQuery },
      b: { filter: { bool: { filter: [bQuery, { range: { '@timestamp': { gte: new Date(scope.from).toISOString(), lt: new Date(scope.to).toISOString() } } }] } } },
    };
    for await (const bucket of ctx.store.composite(filter.query, sourcesOf(unit.keyFields), aggs)) {
      const a = (bucket.aggs.a as { doc_count: number }).doc_count;
      const b = (bucket.aggs.b as { doc_count: number }).doc_count;
      if (a > 0 && b > 0) candidates.push(unit.keyFields.map((f) => String(bucket.key[f])));
    }

    const isA = compiled(rule.first.where, ctx.config);
    const isB = compiled(rule.then.where, ctx.config);
    const differs = rule.then.differs_from_first ?? [];
    const source = sourceFields([rule.first.where, rule.then.where], [...unit.keyFields, ...differs]);
    for (const batch of batches(candidates, 100)) {
      const batchFilter = eventFilter(eitherStep(rule), ctx.config, from, scope.to, unit.keyFields, batch);
      for await (const { key, events } of byKey(ctx.store.scan(batchFilter.query, { source, sortFirst: unit.keyFields }), unit.keyFields)) {
        yield* match(rule, unit, key, events, isA, isB, differs, scope.from, scope.to, windowMs);
      }
    }
  },

  async relevant(rule, unit, events, ctx) {
    // events that are an A or a B; an A that depends on unfetched text is settled by Elasticsearch
    const context = { businessHours: ctx.config.business_hours, timezone: ctx.config.timezone, missingFields: TEXT_FIELDS };
    const isA = compilePredicate(rule.first.where, context);
    const isB = compilePredicate(rule.then.where, context);
    const firsts = events.filter((e) => isA(e) === true);
    const unsure = events.filter((e) => isA(e) === null);
    if (unsure.length > 0) {
      const times = unsure.map(ms);
      const aQuery = esPredicate(rule.first.where, ctx.config, Math.min(...times), Math.max(...times) + 1).query;
      const matching = await ctx.store.matchingIds(unsure.map((e) => e.event_id), aQuery);
      firsts.push(...unsure.filter((e) => matching.has(e.event_id)));
    }
    // a B completes a sequence only after an A of its entity: once this process has streamed a full window, it
    // remembers every A that window can hold, and a B without one needs no query
    const windowMs = durationMs(rule.window);
    const memory = windowMemory(ctx, rule.id, windowMs);
    const keyOf = (e: EventDoc) => JSON.stringify(unit.keyFields.map((f) => fieldValue(e, f)));
    for (const first of firsts) memory.add(keyOf(first), ms(first), ctx.now());
    const isFirst = new Set(firsts.map((e) => e.event_id));
    const thens = events.filter((e) => !isFirst.has(e.event_id) && isB(e) !== false).filter((e) => {
      const t = ms(e);
      return !memory.trusted(t, keyOf(e)) || memory.latestBetween(keyOf(e), t - windowMs, t) !== undefined;
    });
    return [...firsts, ...thens];
  },

  async evidence(rule, unit, entity, windowStart, windowEnd, ctx) {
    const key = unit.keyFields.map((f) => entity[f]!);
    const filter = eventFilter(eitherStep(rule), ctx.config, windowStart, windowEnd, unit.keyFields, [key], true);
    if (filter.exact) {
      const { ids, total } = await ctx.store.firstIds(filter.query, MAX_EVIDENCE_IDS);
      return { count: total, ids };
    }
    return scanEvidence(ctx, filter.query, [eitherStep(rule)], unit.keyFields, compiled(eitherStep(rule), ctx.config));
  },
};

function* match(
  rule: SequenceRule,
  unit: EvaluationUnit,
  key: string[],
  events: EventDoc[],
  isA: (e: EventDoc) => boolean | null,
  isB: (e: EventDoc) => boolean | null,
  differs: string[],
  from: number,
  to: number,
  windowMs: number,
): Generator<Finding> {
  const firsts: EventDoc[] = [];
  let episode: Finding | undefined;
  for (const event of events) {
    const t = ms(event);
    const a = isA(event) === true;
    if (a && rule.allow_same_event) firsts.push(event);
    while (firsts.length > 0 && ms(firsts[0]!) < t - windowMs) firsts.shift();
    if (t >= from && t < to && isB(event) === true) {
      const qualifying = firsts.filter(
        (first) =>
          (rule.allow_same_event || first.event_id !== event.event_id) &&
          differs.every((f) => {
            const bValue = fieldValue(event, f);
            return bValue !== undefined && bValue !== fieldValue(first, f);
          }),
      );
      if (qualifying.length > 0) {
        const windowStart = ms(qualifying[0]!);
        const ids = [...new Set([...qualifying.map((q) => q.event_id), event.event_id])];
        if (episode && windowStart <= episode.windowEnd) {
          episode.windowEnd = t;
          episode.observed += 1;
          for (const id of ids) if (episode.eventIds.length < MAX_EVIDENCE_IDS && !episode.eventIds.includes(id)) episode.eventIds.push(id);
          episode.eventCount = Math.max(episode.eventCount, episode.eventIds.length);
        } else {
          if (episode) yield episode;
          episode = {
            rule,
            entity: entityRecord(unit.keyFields, key),
            keyFields: unit.keyFields,
            windowStart,
            windowEnd: t,
            firedAt: t,
            observed: 1,
            threshold: 1,
            eventCount: ids.length,
            eventIds: ids.slice(0, MAX_EVIDENCE_IDS),
            explanation: { first: rule.first.name, then: rule.then.name, window: rule.window },
            mergeGapMs: 0,
          };
        }
      }
    }
    if (a && !rule.allow_same_event) firsts.push(event);
  }
  if (episode) yield episode;
}
