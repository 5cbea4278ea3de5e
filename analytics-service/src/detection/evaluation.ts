/**
 * What every rule type shares: the evaluation context, evaluation units and scopes, findings (episodes),
 * and the helpers that turn predicates into Elasticsearch filters and exact checks.
 */
import type { estypes } from '../elasticsearch/dsl.js';
import type { DetectionStore } from '../elasticsearch/detection-store.js';
import { predicateQuery, timeRange, keysQuery, type CompiledQuery } from '../elasticsearch/detection-queries.js';
import type { DetectionConfig } from './config-schema.js';
import type { RuleExport } from './content-pack/rule-export.js';
import { compilePredicate, fieldValue, readsText, type CompiledPredicate, type EventDoc } from './predicate.js';
import type { EntityField, Predicate, Rule } from './rule-schema.js';

/** Evidence event ids kept on an alert. */
export const MAX_EVIDENCE_IDS = 50;

export interface EvaluationContext {
  store: DetectionStore;
  config: DetectionConfig;
  /** caches that outlive one evaluation (baselines); owned by the engine */
  cache: Map<string, { at: number; value: unknown }>;
  /** what streaming remembers between polls (window-memory.ts, recent distinct values) */
  memory: Map<string, unknown>;
  now: () => number;
}

/**
 * Streaming memory kept under keys that begin with this counts every streamed event exactly once (the peer rule's
 * tally of running department-hours). A slice whose evaluation failed is evaluated again, so the engine drops these
 * memories when one fails; the others (upper bounds, values seen) are only ever raised by an event met twice.
 */
export const COUNTED_ONCE = 'counted-once:';

/**
 * One independently evaluated part of a rule: a threshold signal, or the whole rule for other types.
 * `trigger` says which events can affect it; `keyFields` are the alert's entity fields.
 */
export interface EvaluationUnit {
  signal?: string;
  trigger: Predicate;
  keyFields: EntityField[];
  /** how far after an event's time it can still change the outcome (late events affect later windows) */
  lookaheadMs: number;
  /**
   * Streaming: most entities per evaluation of new events (engine.ts KEYS_PER_SCOPE without it). A unit that reads
   * groups of entities rather than each entity's own events (the peer rule's department-hours) takes all of a
   * slice's at once: split, every part would read the same groups again.
   */
  keysPerScope?: number;
}

/** Fire points (event times) in [from, to); optionally only for these entity keys. */
export interface EvaluationScope {
  from: number;
  to: number;
  keys?: string[][];
  /**
   * Streaming only: asks for `scope` to be evaluated again at `dueAt` whether or not new events touch it (its
   * outcome can change through events of other entities). Requests with the same `key` for the same rule unit
   * are one, and re-reading any one event that asked for it must ask for it again (the peer rule: any member's
   * event of a department-hour has the whole group scored). Until it has run, the stored checkpoint stays before
   * the latest batch that asked for it, so a restart or a replica taking over re-reads that batch.
   */
  defer?: (key: string, scope: EvaluationScope, dueAt: number) => void;
  /** Streaming only: the new events of these keys that led to this evaluation, as read (without prompt/response text). */
  events?: EventDoc[];
}

/** One episode of one rule for one entity: what an alert is made from. */
export interface Finding {
  rule: Rule;
  signal?: string;
  entity: Partial<Record<EntityField, string>>;
  keyFields: EntityField[];
  windowStart: number;
  windowEnd: number;
  /** when the rule's condition first held (the alert's @timestamp) */
  firedAt: number;
  observed: number;
  threshold: number;
  eventCount: number;
  eventIds: string[];
  explanation?: Record<string, unknown>;
  /** episodes of the same entity closer than this merge into one alert */
  mergeGapMs: number;
}

export interface Evidence {
  count: number;
  ids: string[];
}

export interface RuleEvaluator<R extends Rule = Rule> {
  units(rule: R, ctx: EvaluationContext): EvaluationUnit[];
  evaluate(rule: R, unit: EvaluationUnit, scope: EvaluationScope, ctx: EvaluationContext): AsyncIterable<Finding>;
  /** event count and first evidence ids of an entity over a (merged) episode window */
  evidence(rule: R, unit: EvaluationUnit, entity: Partial<Record<EntityField, string>>, windowStart: number, windowEnd: number, ctx: EvaluationContext): Promise<Evidence>;
  /**
   * Streaming: of newly ingested events (fetched without prompt/response text) that the unit's trigger did not
   * rule out, those that can change the unit's outcome. Without it, all of them. Lets a poll skip Elasticsearch
   * for rules its events cannot affect.
   */
  relevant?(rule: R, unit: EvaluationUnit, events: EventDoc[], ctx: EvaluationContext): Promise<EventDoc[]>;
  /** The rule type's SPL, KQL, Sigma and Kibana translations (content-pack/rule-export.ts); without it, none. */
  export?: RuleExport<R>;
}

export function predicateContext(config: DetectionConfig) {
  return { businessHours: config.business_hours, timezone: config.timezone };
}

export function compiled(predicate: Predicate, config: DetectionConfig): CompiledPredicate {
  return compilePredicate(predicate, predicateContext(config));
}

export function esPredicate(predicate: Predicate, config: DetectionConfig, from: number, to: number): CompiledQuery {
  return predicateQuery(predicate, { ...predicateContext(config), span: { from, to } });
}

/** predicate ∧ time range ∧ entity fields present ∧ (optional) entity keys. */
export function eventFilter(
  predicate: Predicate,
  config: DetectionConfig,
  from: number,
  to: number,
  keyFields: readonly string[],
  keys?: string[][],
  inclusiveTo = false,
): { query: estypes.QueryDslQueryContainer; exact: boolean } {
  const compiledQuery = esPredicate(predicate, config, from, to);
  const filter: estypes.QueryDslQueryContainer[] = [timeRange(from, to, inclusiveTo), compiledQuery.query];
  for (const field of keyFields) filter.push({ exists: { field } });
  if (keys && keys.length > 0) filter.push(keysQuery(keyFields, keys));
  return { query: { bool: { filter } }, exact: compiledQuery.exact };
}

/** Fields a scan must fetch to evaluate a predicate and key the result. */
export function sourceFields(predicates: Predicate[], extra: readonly string[], fields: Set<string> = new Set()): string[] {
  for (const predicate of predicates) {
    collectFields(predicate, fields);
    if (readsText(predicate)) {
      fields.add('input_text');
      fields.add('output_text');
    }
  }
  for (const f of extra) fields.add(f);
  return [...fields].map((f) => f.split('.')[0]!);
}

function collectFields(predicate: Predicate, out: Set<string>): void {
  if ('all' in predicate) predicate.all.forEach((p) => collectFields(p, out));
  else if ('any' in predicate) predicate.any.forEach((p) => collectFields(p, out));
  else if ('not' in predicate) collectFields(predicate.not, out);
  else if ('field' in predicate) {
    out.add(predicate.field);
    if ('not_in_list_of' in predicate) out.add(predicate.not_in_list_of.key_field);
  }
}

export function entityOf(event: EventDoc, keyFields: readonly EntityField[]): string[] | undefined {
  const key: string[] = [];
  for (const field of keyFields) {
    const value = fieldValue(event, field);
    if (value === undefined || value === null || Array.isArray(value)) return undefined;
    key.push(String(value));
  }
  return key;
}

export function entityRecord(keyFields: readonly EntityField[], key: readonly string[]): Partial<Record<EntityField, string>> {
  return Object.fromEntries(keyFields.map((f, i) => [f, key[i]!]));
}

export const keyString = (key: readonly string[]) => JSON.stringify(key);

/** Groups a key-sorted event stream into per-key runs, holding one key's events (within the span) at a time. */
export async function* byKey(events: AsyncIterable<EventDoc>, keyFields: readonly EntityField[]): AsyncGenerator<{ key: string[]; events: EventDoc[] }> {
  let currentKey: string[] | undefined;
  let buffer: EventDoc[] = [];
  for await (const event of events) {
    const key = entityOf(event, keyFields);
    if (!key) continue;
    if (currentKey && keyString(key) !== keyString(currentKey)) {
      yield { key: currentKey, events: buffer };
      buffer = [];
    }
    currentKey = key;
    buffer.push(event);
  }
  if (currentKey) yield { key: currentKey, events: buffer };
}

export { ms } from '../time/event-time.js';

/** Splits a list into batches (candidate keys are scanned a batch at a time). */
export function* batches<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Cached value with a time-to-live, for baselines that do not change while a day lasts. */
export async function cached<T>(ctx: EvaluationContext, key: string, ttlMs: number, compute: () => Promise<T>): Promise<T> {
  const hit = ctx.cache.get(key);
  const now = ctx.now();
  if (hit && now - hit.at < ttlMs) return hit.value as T;
  const value = await compute();
  if (ctx.cache.size > 5000) ctx.cache.clear();
  ctx.cache.set(key, { at: now, value });
  return value;
}

/**
 * Merges per-event firings of one entity into episodes: firings closer than `gapMs` belong together.
 * Firings must come in time order.
 */
export class EpisodeBuilder {
  private current: Finding | undefined;
  constructor(
    private readonly gapMs: number,
    private readonly emit: (finding: Finding) => void,
  ) {}

  add(finding: Finding): void {
    const c = this.current;
    if (c && finding.windowStart <= c.windowEnd + this.gapMs) {
      c.windowEnd = Math.max(c.windowEnd, finding.windowEnd);
      c.observed = Math.max(c.observed, finding.observed);
      c.eventCount += finding.eventCount;
      for (const id of finding.eventIds) if (c.eventIds.length < MAX_EVIDENCE_IDS && !c.eventIds.includes(id)) c.eventIds.push(id);
      if (finding.explanation) c.explanation = { ...c.explanation, ...finding.explanation };
      return;
    }
    if (c) this.emit(c);
    this.current = { ...finding, eventIds: [...finding.eventIds] };
  }

  flush(): void {
    if (this.current) this.emit(this.current);
    this.current = undefined;
  }
}
