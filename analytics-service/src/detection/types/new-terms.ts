/**
 * new_terms: a value of `field` (e.g. a model) whose first event in the scope has no event with the same value
 * in the `history` before it, and which is not on the approved list.
 *
 * A composite aggregation gives each value's first time t_v in [from, to); one more aggregation over
 * [from − history, from) gives the last earlier sighting; the value is new when there is none after t_v − history.
 */
import { durationMs } from '../duration.js';
import {
  batches,
  eventFilter,
  type EvaluationUnit,
  type Finding,
  type RuleEvaluator,
} from '../evaluation.js';
import type { EntityField, NewTermsRule } from '../rule-schema.js';
import { sourcesOf } from './threshold.js';
import { timeRange } from '../../elasticsearch/detection-queries.js';
import { newTermsExport } from './new-terms-export.js';

export const newTermsEvaluator: RuleEvaluator<NewTermsRule> = {
  export: newTermsExport,

  units(rule) {
    return [{ trigger: rule.where, keyFields: [rule.field as EntityField], lookaheadMs: 1 }];
  },

  async *evaluate(rule, unit, scope, ctx) {
    const historyMs = durationMs(rule.history);
    const filter = eventFilter(rule.where, ctx.config, scope.from, scope.to, unit.keyFields, scope.keys);
    const query = rule.approved.length
      ? { bool: { filter: [filter.query], must_not: [{ terms: { [rule.field]: rule.approved } }] } }
      : filter.query;
    const firstSeen = new Map<string, { t: number; id: string }>();
    for await (const bucket of ctx.store.composite(query, sourcesOf(unit.keyFields), {
      first: { top_hits: { size: 1, sort: [{ '@timestamp': { order: 'asc' } }, { event_id: { order: 'asc' } }], _source: ['event_id', '@timestamp'] } },
    })) {
      const hit = (bucket.aggs.first as { hits: { hits: Array<{ _source: { event_id: string; '@timestamp': string } }> } }).hits.hits[0];
      if (hit) firstSeen.set(String(bucket.key[rule.field]), { t: Date.parse(hit._source['@timestamp']), id: hit._source.event_id });
    }
    for (const batch of batches([...firstSeen.keys()], 500)) {
      const earlier = await ctx.store.aggregate(
        { bool: { filter: [timeRange(scope.from - historyMs, scope.from), { terms: { [rule.field]: batch } }] } },
        { values: { terms: { field: rule.field, size: batch.length }, aggs: { last: { max: { field: '@timestamp' } } } } },
      );
      const lastSeen = new Map<string, number>();
      for (const b of (earlier.values as { buckets: Array<{ key: string; last: { value: number } }> }).buckets) lastSeen.set(String(b.key), b.last.value);
      for (const value of batch) {
        const first = firstSeen.get(value)!;
        const last = lastSeen.get(value);
        if (last !== undefined && last >= first.t - historyMs) continue;
        yield finding(rule, unit, value, first, last);
      }
    }
  },

  async relevant(rule, _unit, events) {
    return events.filter((e) => !rule.approved.includes(String(e[rule.field])));
  },

  async evidence(rule, unit, entity, windowStart, windowEnd, ctx) {
    const filter = eventFilter(rule.where, ctx.config, windowStart, windowEnd, unit.keyFields, [[entity[rule.field as EntityField]!]], true);
    const { ids, total } = await ctx.store.firstIds(filter.query, 1);
    return { count: Math.min(total, 1), ids };
  },
};

function finding(rule: NewTermsRule, unit: EvaluationUnit, value: string, first: { t: number; id: string }, last: number | undefined): Finding {
  return {
    rule,
    entity: { [rule.field]: value },
    keyFields: unit.keyFields,
    windowStart: first.t,
    windowEnd: first.t,
    firedAt: first.t,
    observed: 1,
    threshold: 1,
    eventCount: 1,
    eventIds: [first.id],
    explanation: { field: rule.field, history: rule.history, previously_seen: last === undefined ? null : new Date(last).toISOString() },
    mergeGapMs: 0,
  };
}
