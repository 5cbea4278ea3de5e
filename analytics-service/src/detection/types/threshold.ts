/**
 * threshold: count (or distinct count of a field) of matching events per entity in a sliding window.
 *
 * Fires at every matching event e whose window (t_e − W, t_e] holds more than (or at least) the threshold.
 * Phase 1 finds candidate entities with a paged composite aggregation: any window of length W lies within two
 * consecutive W-aligned histogram buckets, so an entity whose best pair of neighbouring buckets stays under the
 * threshold cannot fire. Phase 2 scans only the candidates' events, in time order, and slides the window exactly.
 * Overlapping firing windows form one episode.
 */
import { MAX_FUTURE_SKEW_MS } from '../../contract/validate.js';
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
  type EvaluationContext,
  type EvaluationScope,
  type EvaluationUnit,
  type Evidence,
  type Finding,
  type RuleEvaluator,
} from '../evaluation.js';
import { fieldValue, type EventDoc } from '../predicate.js';
import { countMemory, distinctMemory } from '../window-memory.js';
import type { EntityField, ThresholdRule, ThresholdSignal } from '../rule-schema.js';
import { thresholdExport } from './threshold-export.js';

const CANDIDATE_BATCH = 100;

function signalOf(rule: ThresholdRule, unit: EvaluationUnit): ThresholdSignal {
  return rule.signals.find((s) => s.name === unit.signal)!;
}

export const windowOf = (rule: ThresholdRule, signal: ThresholdSignal) => durationMs(signal.window ?? rule.window);

const passes = (signal: ThresholdSignal, value: number) => (signal.operator === 'gt' ? value > signal.threshold : value >= signal.threshold);

interface HistogramBucket {
  key: number;
  doc_count: number;
}

type Query = Parameters<EvaluationContext['store']['count']>[0];

export const thresholdEvaluator: RuleEvaluator<ThresholdRule> = {
  export: thresholdExport,

  units(rule) {
    return rule.signals.map((signal) => ({
      signal: signal.name,
      trigger: signal.where,
      keyFields: signal.group_by as EntityField[],
      lookaheadMs: windowOf(rule, signal),
    }));
  },

  async *evaluate(rule, unit, scope, ctx) {
    const signal = signalOf(rule, unit);
    const windowMs = windowOf(rule, signal);
    const from = scope.from - windowMs;
    const filter = eventFilter(signal.where, ctx.config, from, scope.to, unit.keyFields, scope.keys);

    // phase 1: candidate entities
    const candidates = signal.distinct
      ? await distinctCandidates(ctx, filter.query, unit.keyFields, signal, windowMs)
      : await countCandidates(ctx, filter.query, unit.keyFields, signal, windowMs);

    // phase 2: exact sliding windows over the candidates' events
    const check = compiled(signal.where, ctx.config);
    const source = sourceFields([signal.where], [...unit.keyFields, ...(signal.distinct ? [signal.distinct] : [])]);
    for (const batch of batches(candidates, CANDIDATE_BATCH)) {
      const batchFilter = eventFilter(signal.where, ctx.config, from, scope.to, unit.keyFields, batch);
      const events = ctx.store.scan(batchFilter.query, { source, sortFirst: unit.keyFields });
      for await (const { key, events: keyEvents } of byKey(events, unit.keyFields)) {
        yield* slide(rule, signal, unit, key, keyEvents.filter((e) => check(e) === true), scope, windowMs);
      }
    }
  },

  async relevant(rule, unit, events, ctx) {
    const signal = signalOf(rule, unit);
    const windowMs = windowOf(rule, signal);
    const name = `${rule.id}/${signal.name}`;
    if (signal.distinct) return distinctRelevant(signal, unit, events, ctx, name, windowMs);
    // counts: an event matters only if some window containing it may pass the threshold; every window containing
    // an event at t lies within (t − W, t + W), whose count (from memory, once trusted) bounds them all. An event
    // undecided without its text is counted as if it matched: the bound may only be too high, never too low
    const check = compiled(signal.where, ctx.config);
    const memory = await countMemory(ctx, name, windowMs, (since) => storedCounts(ctx, signal, unit.keyFields, since, windowMs));
    const now = ctx.now();
    const matches = events.map(check);
    const keys = events.map((e, i) => (matches[i] === false ? '' : entityKey(unit.keyFields.map((f) => fieldValue(e, f)))));
    for (let i = 0; i < events.length; i++) if (matches[i] !== false) memory.add(keys[i]!, ms(events[i]!), now);
    return events.filter((event, i) => {
      if (matches[i] !== true) return true; // undecided without text: let Elasticsearch decide
      const t = ms(event);
      return !memory.trusted(t, keys[i]!) || passes(signal, memory.countBetween(keys[i]!, t - windowMs, t + windowMs));
    });
  },

  async evidence(rule, unit, entity, windowStart, windowEnd, ctx) {
    const signal = signalOf(rule, unit);
    const key = unit.keyFields.map((f) => entity[f]!);
    const filter = eventFilter(signal.where, ctx.config, windowStart, windowEnd, unit.keyFields, [key], true);
    if (filter.exact) {
      const { ids, total } = await ctx.store.firstIds(filter.query, MAX_EVIDENCE_IDS);
      return { count: total, ids };
    }
    return scanEvidence(ctx, filter.query, [signal.where], unit.keyFields, compiled(signal.where, ctx.config));
  },
};

/** Count thresholds: any window of length W lies within two neighbouring W-aligned histogram buckets. */
async function countCandidates(ctx: EvaluationContext, query: Query, keyFields: readonly string[], signal: ThresholdSignal, windowMs: number): Promise<string[][]> {
  const candidates: string[][] = [];
  const histogram = { date_histogram: { field: '@timestamp', fixed_interval: `${windowMs}ms`, min_doc_count: 1 } };
  for await (const bucket of ctx.store.composite(query, sourcesOf(keyFields), { hist: histogram })) {
    const buckets = ((bucket.aggs.hist as { buckets?: HistogramBucket[] })?.buckets ?? []).slice().sort((a, b) => a.key - b.key);
    let possible = false;
    for (let i = 0; i < buckets.length && !possible; i++) {
      const next = buckets[i + 1];
      const pair = buckets[i]!.doc_count + (next && next.key === buckets[i]!.key + windowMs ? next.doc_count : 0);
      if (passes(signal, pair)) possible = true;
    }
    if (possible) candidates.push(keyFields.map((f) => String(bucket.key[f])));
  }
  return candidates;
}

/**
 * Distinct-count thresholds: one composite bucket per (entity, value) with the value's first and last time.
 * A window (t − W, t] can only hold values whose [first, last] span meets it, so the largest overlap of the
 * spans [first, last + W) bounds the distinct count of every window from above.
 */
async function distinctCandidates(ctx: EvaluationContext, query: Query, keyFields: readonly string[], signal: ThresholdSignal, windowMs: number): Promise<string[][]> {
  const candidates: string[][] = [];
  const spans = new Map<string, { key: string[]; edges: Array<[number, number]> }>();
  const flush = (entry: { key: string[]; edges: Array<[number, number]> }) => {
    entry.edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    for (const [, delta] of entry.edges) {
      open += delta;
      if (passes(signal, open)) {
        candidates.push(entry.key);
        return;
      }
    }
  };
  const aggs = { first: { min: { field: '@timestamp' } }, last: { max: { field: '@timestamp' } } };
  for await (const bucket of ctx.store.composite(query, sourcesOf([...keyFields, signal.distinct!]), aggs)) {
    const key = keyFields.map((f) => String(bucket.key[f]));
    const id = JSON.stringify(key);
    let entry = spans.get(id);
    if (!entry) {
      // composite buckets arrive sorted by the entity fields first: an entity is complete when the next begins
      for (const [other, done] of spans) {
        flush(done);
        spans.delete(other);
      }
      entry = { key, edges: [] };
      spans.set(id, entry);
    }
    const first = (bucket.aggs.first as { value: number }).value;
    const last = (bucket.aggs.last as { value: number }).value;
    entry.edges.push([first, 1], [last + windowMs, -1]);
  }
  for (const entry of spans.values()) flush(entry);
  return candidates;
}

/**
 * Of new events of a distinct-count signal, those that may make it fire. A distinct count can only rise through a
 * value the entity has not shown within the window: values this process saw for the entity less than a window
 * before are skipped. And once the memory is trusted (window-memory.ts DistinctMemory), an event matters only if
 * the entity's values around it may pass the threshold. An event the predicate cannot decide without its text is
 * remembered as matching (the bound only rises) and left to Elasticsearch.
 */
async function distinctRelevant(signal: ThresholdSignal, unit: EvaluationUnit, events: EventDoc[], ctx: EvaluationContext, name: string, windowMs: number): Promise<EventDoc[]> {
  const memory = await distinctMemory(ctx, `distinct:${name}`, windowMs, (since) => storedValues(ctx, signal, unit.keyFields, since));
  const check = compiled(signal.where, ctx.config);
  const fresh: Array<{ event: EventDoc; entity: string; t: number; decided: boolean }> = [];
  const now = ctx.now();
  for (const event of events) {
    const matches = check(event);
    if (matches === false) continue;
    const entity = entityKey(unit.keyFields.map((f) => fieldValue(event, f)));
    const t = ms(event);
    let isFresh = false;
    for (const value of valuesOf(fieldValue(event, signal.distinct!))) {
      const last = memory.see(entity, value, t, now);
      if (last === undefined || t - last >= windowMs || t < last) isFresh = true;
    }
    if (isFresh) fresh.push({ event, entity, t, decided: matches === true });
  }
  return fresh.filter((f) => !f.decided || !memory.trusted(f.t) || passes(signal, memory.distinctAround(f.entity, f.t))).map((f) => f.event);
}

/** A streaming memory's key of an entity: its one value as it is, or its values as JSON (a memory keys one unit's entities). */
const entityKey = (values: unknown[]) => (values.length === 1 ? String(values[0]) : JSON.stringify(values.map(String)));
/** The values of a field as Elasticsearch indexes them: each element of an array, none for a missing value. */
const valuesOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)]);

/**
 * Buckets per page of a memory's seed. Each page of a composite aggregation visits every event the query matches
 * (its time range rules out Elasticsearch's sorted early exit), so a seed's cost grows with its pages: at 1 000 a
 * restart under 110 000 users read 65 pages and spent 5–8 s per distinct signal; at 10 000, 29 pages and 16.5 s of
 * Elasticsearch's time for the three distinct signals (83 000–95 000 pairs each); at 50 000, 6 pages and 8.5 s
 * (bench/streaming-lag.ts --trace-dir). Under the cluster's default search.max_buckets (65 536).
 */
const SEED_PAGE_SIZE = 50_000;

/** Every (entity, value) of a distinct signal stored with a time after `since`, and its latest time. */
async function* storedValues(ctx: EvaluationContext, signal: ThresholdSignal, keyFields: readonly string[], since: number): AsyncGenerator<[string, string, number]> {
  const query = eventFilter(signal.where, ctx.config, since, latestStorable(ctx), keyFields).query;
  for await (const bucket of ctx.store.composite(query, sourcesOf([...keyFields, signal.distinct!]), { last: { max: { field: '@timestamp' } } }, SEED_PAGE_SIZE)) {
    yield [entityKey(keyFields.map((f) => bucket.key[f])), String(bucket.key[signal.distinct!]), (bucket.aggs.last as { value: number }).value];
  }
}

/** Every entity's matching events stored with a time after `since`, counted per W-aligned bucket. */
async function* storedCounts(ctx: EvaluationContext, signal: ThresholdSignal, keyFields: readonly string[], since: number, windowMs: number): AsyncGenerator<[string, number, number]> {
  const query = eventFilter(signal.where, ctx.config, since, latestStorable(ctx), keyFields).query;
  const sources = [...sourcesOf(keyFields), { bucket: { date_histogram: { field: '@timestamp', fixed_interval: `${windowMs}ms` } } }];
  for await (const bucket of ctx.store.composite(query, sources, {}, SEED_PAGE_SIZE)) {
    yield [entityKey(keyFields.map((f) => bucket.key[f])), Number(bucket.key.bucket), bucket.doc_count];
  }
}

/**
 * The end of a seed's time range: nothing stored can lie later, since ingest refuses timestamps more than
 * MAX_FUTURE_SKEW_MS ahead. A finite end, not "year 9999": a signal limited to off hours is sent to Elasticsearch as
 * one range per business day of its time range, and an open range made a request of several hundred megabytes
 * (refused with 413 after seconds of CPU, at every poll: streaming stalled).
 */
const latestStorable = (ctx: EvaluationContext) => ctx.now() + MAX_FUTURE_SKEW_MS;

export function sourcesOf(fields: readonly string[]) {
  return fields.map((field) => ({ [field]: { terms: { field } } }));
}

export async function scanEvidence(
  ctx: EvaluationContext,
  query: Parameters<EvaluationContext['store']['scan']>[0],
  predicates: Parameters<typeof sourceFields>[0],
  keyFields: readonly string[],
  check: (e: EventDoc) => boolean | null,
): Promise<Evidence> {
  const ids: string[] = [];
  let count = 0;
  for await (const event of ctx.store.scan(query, { source: sourceFields(predicates, keyFields) })) {
    if (check(event) !== true) continue;
    count++;
    if (ids.length < MAX_EVIDENCE_IDS) ids.push(event.event_id);
  }
  return { count, ids };
}

/** The sliding window over one entity's matching events (time-ordered). */
function* slide(rule: ThresholdRule, signal: ThresholdSignal, unit: EvaluationUnit, key: string[], events: EventDoc[], scope: EvaluationScope, windowMs: number): Generator<Finding> {
  const window: Array<{ t: number; id: string; value?: string }> = [];
  const distinct = new Map<string, number>();
  let episode: Finding | undefined;
  let pending: string[] = [];
  let pendingCount = 0;

  for (const event of events) {
    const t = ms(event);
    const value = signal.distinct ? fieldValue(event, signal.distinct) : undefined;
    const entry = { t, id: event.event_id, ...(value !== undefined && value !== null ? { value: String(value) } : {}) };
    window.push(entry);
    if (entry.value !== undefined) distinct.set(entry.value, (distinct.get(entry.value) ?? 0) + 1);
    while (window.length > 0 && window[0]!.t <= t - windowMs) {
      const dropped = window.shift()!;
      if (dropped.value !== undefined) {
        const n = distinct.get(dropped.value)! - 1;
        if (n === 0) distinct.delete(dropped.value);
        else distinct.set(dropped.value, n);
      }
    }
    if (episode) {
      pending.push(event.event_id);
      pendingCount++;
    }
    const observed = signal.distinct ? distinct.size : window.length;
    const fires = t >= scope.from && t < scope.to && passes(signal, observed);
    if (!fires) {
      if (episode && window.length > 0 && window[0]!.t > episode.windowEnd) {
        yield episode;
        episode = undefined;
        pending = [];
        pendingCount = 0;
      }
      continue;
    }
    const windowStart = window[0]!.t;
    if (episode && windowStart <= episode.windowEnd) {
      episode.windowEnd = t;
      episode.observed = Math.max(episode.observed, observed);
      episode.eventCount += pendingCount;
      for (const id of pending) if (episode.eventIds.length < MAX_EVIDENCE_IDS) episode.eventIds.push(id);
    } else {
      if (episode) yield episode;
      episode = {
        rule,
        signal: signal.name,
        entity: entityRecord(unit.keyFields, key),
        keyFields: unit.keyFields,
        windowStart,
        windowEnd: t,
        firedAt: t,
        observed,
        threshold: signal.threshold,
        eventCount: window.length,
        eventIds: window.slice(0, MAX_EVIDENCE_IDS).map((w) => w.id),
        explanation: { signal: signal.name, aggregate: signal.distinct ? `distinct ${signal.distinct}` : 'count', operator: signal.operator, window: signal.window ?? rule.window },
        mergeGapMs: 0,
      };
    }
    pending = [];
    pendingCount = 0;
  }
  if (episode) yield episode;
}
