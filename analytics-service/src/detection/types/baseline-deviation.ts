/**
 * baseline_deviation: an observation against the entity's own baseline × factor, with baselines computed by
 * Elasticsearch aggregations over a trailing window that ends at the start of the observation's UTC day
 * (so a day's baseline is fixed for the whole day and cached).
 *
 * - event_tokens_out (`exfil_output_volume`): an event fires when tokens_out > factor × the mean tokens_out of
 *   its `baseline_by` entity (min_baseline_events required), or when tokens_out / max(tokens_in, 1) exceeds
 *   max_out_in_ratio. Candidates come from range queries (per-entity cut-offs, and log-spaced tokens_in bands
 *   for the ratio, since Elasticsearch here cannot divide), then the exact test runs in TypeScript.
 * - session_cost (`session_cost_anomaly`): a session's cost (max session_cost_usd reported, else the sum of
 *   cost_usd) exceeds factor × the user's mean session cost over the trailing window (min_baseline_sessions
 *   required) and min_session_cost_usd. The alert is the session; it fires at the event where the running cost
 *   crossed the line.
 */
import type { estypes } from '../../elasticsearch/dsl.js';
import { timeRange } from '../../elasticsearch/detection-queries.js';
import { durationMs } from '../duration.js';
import {
  EpisodeBuilder,
  MAX_EVIDENCE_IDS,
  batches,
  cached,
  compiled,
  entityOf,
  entityRecord,
  esPredicate,
  eventFilter,
  ms,
  sourceFields,
  type EvaluationContext,
  type EvaluationScope,
  type EvaluationUnit,
  type Finding,
  type RuleEvaluator,
} from '../evaluation.js';
import type { EventDoc } from '../predicate.js';
import type { BaselineDeviationRule, EntityField } from '../rule-schema.js';
import { sourcesOf } from './threshold.js';
import { baselineDeviationExport } from './baseline-deviation-export.js';
import { DAY_MS } from '../../time/units.js';

type Query = estypes.QueryDslQueryContainer;
type TokensMeasure = Extract<BaselineDeviationRule['measure'], { kind: 'event_tokens_out' }>;
type SessionMeasure = Extract<BaselineDeviationRule['measure'], { kind: 'session_cost' }>;

const BASELINE_TTL_MS = 10 * 60_000;
const dayStart = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

/** Spans split at UTC midnight, since each day has its own baseline. */
function daySpans(from: number, to: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (let start = from; start < to; ) {
    const end = Math.min(to, dayStart(start) + DAY_MS);
    spans.push([start, end]);
    start = end;
  }
  return spans;
}

/** tokens_in bands [lo, hi) whose lower bound gives a necessary tokens_out cut-off for the ratio test. */
const RATIO_BANDS: Array<[number, number | undefined]> = (() => {
  const edges = [0, 1];
  while (edges.at(-1)! < 10_000_000) edges.push(Math.ceil(edges.at(-1)! * 1.25) + (edges.at(-1)! < 4 ? 1 : 0));
  return edges.map((lo, i) => [lo, edges[i + 1]] as [number, number | undefined]);
})();

function ratioCandidates(ratio: number): Query {
  const should: Query[] = [{ bool: { must_not: [{ exists: { field: 'tokens_in' } }], filter: [{ range: { tokens_out: { gt: ratio } } }] } }];
  for (const [lo, hi] of RATIO_BANDS) {
    should.push({
      bool: {
        filter: [{ range: { tokens_in: { gte: lo, ...(hi !== undefined ? { lt: hi } : {}) } } }, { range: { tokens_out: { gt: ratio * Math.max(lo, 1) } } }],
      },
    });
  }
  return { bool: { should, minimum_should_match: 1 } };
}

interface Baseline {
  mean: number;
  n: number;
}

async function tokensBaselines(rule: BaselineDeviationRule, measure: TokensMeasure, day: number, ctx: EvaluationContext): Promise<Map<string, Baseline>> {
  return cached(ctx, `tokens:${rule.id}:${measure.baseline_by}:${day}`, BASELINE_TTL_MS, async () => {
    const from = day - durationMs(measure.baseline_window);
    const query = { bool: { filter: [timeRange(from, day), esPredicate(rule.where, ctx.config, from, day).query, { exists: { field: 'tokens_out' } }] } };
    const baselines = new Map<string, Baseline>();
    for await (const b of ctx.store.composite(query, sourcesOf([measure.baseline_by]), { mean: { avg: { field: 'tokens_out' } } })) {
      baselines.set(String(b.key[measure.baseline_by]), { mean: (b.aggs.mean as { value: number }).value, n: b.doc_count });
    }
    return baselines;
  });
}

async function* evaluateTokens(rule: BaselineDeviationRule, measure: TokensMeasure, unit: EvaluationUnit, scope: EvaluationScope, ctx: EvaluationContext): AsyncGenerator<Finding> {
  const check = compiled(rule.where, ctx.config);
  const gap = durationMs(rule.window);
  for (const [from, to] of daySpans(scope.from, scope.to)) {
    const baselines = await tokensBaselines(rule, measure, dayStart(from), ctx);
    const cutoffs: Query[] = [];
    for (const [value, b] of baselines) {
      if (b.n >= measure.min_baseline_events) {
        cutoffs.push({ bool: { filter: [{ term: { [measure.baseline_by]: value } }, { range: { tokens_out: { gt: measure.factor * b.mean } } }] } });
      }
    }
    if (measure.max_out_in_ratio !== undefined) cutoffs.push(ratioCandidates(measure.max_out_in_ratio));
    if (cutoffs.length === 0) continue;
    const base = eventFilter(rule.where, ctx.config, from, to, unit.keyFields, scope.keys);
    const findings: Finding[] = [];
    for (const chunk of batches(cutoffs, 1000)) {
      const query = { bool: { filter: [base.query, { bool: { should: chunk, minimum_should_match: 1 } }] } };
      const source = sourceFields([rule.where], [...unit.keyFields, measure.baseline_by, 'tokens_in', 'tokens_out']);
      for await (const event of ctx.store.scan(query, { source, sortFirst: unit.keyFields })) {
        if (check(event) !== true) continue;
        const key = entityOf(event, unit.keyFields);
        if (!key) continue;
        const verdict = judgeTokens(event, measure, baselines);
        if (verdict) findings.push({ ...verdict, rule, entity: entityRecord(unit.keyFields, key), keyFields: unit.keyFields, mergeGapMs: gap });
      }
    }
    yield* episodes(findings, gap, unit.keyFields);
  }
}

function judgeTokens(event: EventDoc, measure: TokensMeasure, baselines: Map<string, Baseline>): Omit<Finding, 'rule' | 'entity' | 'keyFields' | 'mergeGapMs'> | undefined {
  const tokensOut = Number(event.tokens_out ?? 0);
  const tokensIn = Number(event.tokens_in ?? 0);
  const baseline = baselines.get(String(event[measure.baseline_by] ?? ''));
  const t = ms(event);
  const ratio = tokensOut / Math.max(tokensIn, 1);
  const overBaseline = baseline !== undefined && baseline.n >= measure.min_baseline_events && tokensOut > measure.factor * baseline.mean;
  const overRatio = measure.max_out_in_ratio !== undefined && ratio > measure.max_out_in_ratio;
  if (!overBaseline && !overRatio) return undefined;
  return {
    windowStart: t,
    windowEnd: t,
    firedAt: t,
    observed: tokensOut,
    threshold: overBaseline ? measure.factor * baseline!.mean : measure.max_out_in_ratio! * Math.max(tokensIn, 1),
    eventCount: 1,
    eventIds: [event.event_id],
    explanation: {
      trigger: overBaseline ? 'baseline' : 'ratio',
      tokens_out: tokensOut,
      tokens_in: tokensIn,
      out_in_ratio: Math.round(ratio * 100) / 100,
      baseline_mean_tokens_out: baseline ? Math.round(baseline.mean * 100) / 100 : null,
      baseline_events: baseline?.n ?? 0,
      factor: measure.factor,
      baseline_window: measure.baseline_window,
    },
  };
}

/** Sorts per-event findings by entity then time and merges those closer than the gap. */
function episodes(findings: Finding[], gap: number, keyFields: readonly EntityField[]): Finding[] {
  const out: Finding[] = [];
  const keyOf = (f: Finding) => JSON.stringify(keyFields.map((k) => f.entity[k]));
  findings.sort((a, b) => keyOf(a).localeCompare(keyOf(b)) || a.windowStart - b.windowStart);
  let builder: EpisodeBuilder | undefined;
  let currentKey: string | undefined;
  for (const f of findings) {
    if (keyOf(f) !== currentKey) {
      builder?.flush();
      builder = new EpisodeBuilder(gap, (e) => out.push(e));
      currentKey = keyOf(f);
    }
    builder!.add(f);
  }
  builder?.flush();
  return out;
}

// --- session cost ---

function sessionCostAggs() {
  return { reported: { max: { field: 'session_cost_usd' } }, summed: { sum: { field: 'cost_usd' } } };
}

function costOf(aggs: Record<string, unknown>): number {
  const reported = (aggs.reported as { value: number | null }).value;
  return reported ?? (aggs.summed as { value: number }).value ?? 0;
}

async function userBaselines(users: string[], day: number, measure: SessionMeasure, ctx: EvaluationContext): Promise<Map<string, Baseline>> {
  const result = new Map<string, Baseline>();
  const missing: string[] = [];
  for (const user of users) {
    const hit = ctx.cache.get(`session:${day}:${user}`);
    if (hit && ctx.now() - hit.at < BASELINE_TTL_MS) result.set(user, hit.value as Baseline);
    else missing.push(user);
  }
  const from = day - durationMs(measure.baseline_window);
  for (const batch of batches(missing, 500)) {
    const sums = new Map<string, { total: number; n: number }>(batch.map((u) => [u, { total: 0, n: 0 }]));
    const query = { bool: { filter: [timeRange(from, day), { terms: { user_id: batch } }, { exists: { field: 'session_id' } }] } };
    for await (const b of ctx.store.composite(query, sourcesOf(['user_id', 'session_id']), sessionCostAggs())) {
      const s = sums.get(String(b.key.user_id))!;
      s.total += costOf(b.aggs);
      s.n += 1;
    }
    for (const [user, s] of sums) {
      const baseline = { mean: s.n ? s.total / s.n : 0, n: s.n };
      result.set(user, baseline);
      ctx.cache.set(`session:${day}:${user}`, { at: ctx.now(), value: baseline });
    }
  }
  return result;
}

async function* evaluateSessions(rule: BaselineDeviationRule, measure: SessionMeasure, unit: EvaluationUnit, scope: EvaluationScope, ctx: EvaluationContext): AsyncGenerator<Finding> {
  const sessionSpanMs = durationMs(rule.window);
  // one paged aggregation: every session with activity in the scope, costed over the session span before it
  const costed = eventFilter(rule.where, ctx.config, scope.from - sessionSpanMs, scope.to, unit.keyFields, scope.keys);
  // a session reporting its running cost can only reach the floor through an event at or above it;
  // sessions that report only per-call costs are summed whole
  const query = {
    bool: {
      filter: [
        costed.query,
        {
          bool: {
            should: [{ range: { session_cost_usd: { gte: measure.min_session_cost_usd } } }, { bool: { must_not: [{ exists: { field: 'session_cost_usd' } }] } }],
            minimum_should_match: 1,
          },
        },
      ],
    },
  };
  const over: Array<{ user: string; session: string; cost: number }> = [];
  for await (const b of ctx.store.composite(query, sourcesOf(unit.keyFields), { ...sessionCostAggs(), last: { max: { field: '@timestamp' } } })) {
    if ((b.aggs.last as { value: number }).value < scope.from) continue;
    const cost = costOf(b.aggs);
    if (cost >= measure.min_session_cost_usd) over.push({ user: String(b.key.user_id), session: String(b.key.session_id), cost });
  }
  for (const batch of batches(over, 200)) {
    const day = dayStart(scope.from);
    const baselines = await userBaselines([...new Set(batch.map((o) => o.user))], day, measure, ctx);
    for (const candidate of batch) {
      const baseline = baselines.get(candidate.user)!;
      if (baseline.n < measure.min_baseline_sessions) continue;
      const line = measure.factor * baseline.mean;
      if (!(candidate.cost > line)) continue;
      const crossing = await crossingPoint(rule, unit, [candidate.user, candidate.session], scope.from - sessionSpanMs, scope.to, line, ctx);
      if (!crossing) continue;
      yield {
        rule,
        entity: entityRecord(unit.keyFields, [candidate.user, candidate.session]),
        keyFields: unit.keyFields,
        windowStart: crossing.first,
        windowEnd: crossing.last,
        firedAt: crossing.at,
        observed: Math.round(candidate.cost * 1e6) / 1e6,
        threshold: Math.round(line * 1e6) / 1e6,
        eventCount: crossing.count,
        eventIds: crossing.ids,
        explanation: {
          session_cost_usd: candidate.cost,
          user_mean_session_cost_usd: Math.round(baseline.mean * 1e6) / 1e6,
          baseline_sessions: baseline.n,
          factor: measure.factor,
          baseline_window: measure.baseline_window,
        },
        mergeGapMs: sessionSpanMs,
      };
    }
  }
}

/** Walks one session in time order to find where its running cost first exceeded the line. */
async function crossingPoint(rule: BaselineDeviationRule, unit: EvaluationUnit, key: string[], from: number, to: number, line: number, ctx: EvaluationContext) {
  const filter = eventFilter(rule.where, ctx.config, from, to, unit.keyFields, [key]);
  let reported = 0;
  let summed = 0;
  let crossedAt: number | undefined;
  let first: number | undefined;
  let last = 0;
  let count = 0;
  const ids: string[] = [];
  for await (const event of ctx.store.scan(filter.query, { source: ['session_cost_usd', 'cost_usd'] })) {
    const t = ms(event);
    first ??= t;
    last = t;
    count++;
    if (ids.length < MAX_EVIDENCE_IDS) ids.push(event.event_id);
    if (typeof event.session_cost_usd === 'number') reported = Math.max(reported, event.session_cost_usd);
    if (typeof event.cost_usd === 'number') summed += event.cost_usd;
    const cost = reported > 0 ? reported : summed;
    if (crossedAt === undefined && cost > line) crossedAt = t;
  }
  if (crossedAt === undefined || first === undefined) return undefined;
  return { first, last, at: crossedAt, count, ids };
}

export const baselineDeviationEvaluator: RuleEvaluator<BaselineDeviationRule> = {
  export: baselineDeviationExport,

  units(rule) {
    return [{ trigger: rule.where, keyFields: rule.group_by as EntityField[], lookaheadMs: 1 }];
  },

  async relevant(rule, _unit, events, ctx) {
    const measure = rule.measure;
    if (measure.kind === 'session_cost') {
      // a session can only cross the cost floor through an event at or above it (or one that reports per-call cost only)
      return events.filter((e) => (typeof e.session_cost_usd === 'number' ? e.session_cost_usd >= measure.min_session_cost_usd : typeof e.cost_usd === 'number'));
    }
    const fired: EventDoc[] = [];
    for (const event of events) {
      const baselines = await tokensBaselines(rule, measure, dayStart(ms(event)), ctx);
      if (judgeTokens(event, measure, baselines)) fired.push(event);
    }
    return fired;
  },

  evaluate(rule, unit, scope, ctx) {
    return rule.measure.kind === 'event_tokens_out' ? evaluateTokens(rule, rule.measure, unit, scope, ctx) : evaluateSessions(rule, rule.measure, unit, scope, ctx);
  },

  async evidence(rule, unit, entity, windowStart, windowEnd, ctx) {
    const key = unit.keyFields.map((f) => entity[f]!);
    if (rule.measure.kind === 'session_cost') {
      const filter = eventFilter(rule.where, ctx.config, windowStart, windowEnd, unit.keyFields, [key], true);
      const { ids, total } = await ctx.store.firstIds(filter.query, MAX_EVIDENCE_IDS);
      return { count: total, ids };
    }
    // the firing events of this entity in the window, re-judged
    let count = 0;
    const ids: string[] = [];
    for await (const finding of evaluateTokens(rule, rule.measure, unit, { from: windowStart, to: windowEnd + 1, keys: [key] }, ctx)) {
      count += finding.eventCount;
      for (const id of finding.eventIds) if (ids.length < MAX_EVIDENCE_IDS) ids.push(id);
    }
    return { count, ids };
  },
};
