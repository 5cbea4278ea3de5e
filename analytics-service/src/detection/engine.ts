/**
 * One engine for both modes. Retro-hunt evaluates rules over an event-time span; streaming evaluates only the
 * rules, entities and spans that a batch of newly ingested events can affect. Both write through the same
 * AlertWriter, so they agree on every alert.
 */
import { timeRuleEvaluation } from '../observability/metrics.js';
import type { AlertStore } from '../elasticsearch/alert-store.js';
import type { DetectionStore } from '../elasticsearch/detection-store.js';
import { AlertWriter, type AlertNotifications, type AlertWriteOutcome } from './alert-writer.js';
import type { Catalogue } from './catalogue.js';
import { batches, COUNTED_ONCE, entityOf, keyString, ms, predicateContext, type EvaluationContext, type EvaluationScope, type EvaluationUnit } from './evaluation.js';
import { compilePredicate, TEXT_FIELDS, type EventDoc } from './predicate.js';
import type { Rule } from './rule-schema.js';
import { evaluatorFor, type EvaluatorTable } from './evaluators.js';
import { filterLettingIoIn, letIoIn } from './cooperative.js';
import { triggerPool } from './trigger-pool.js';
import { DAY_MS } from '../time/units.js';

export interface RuleTally {
  created: number;
  updated: number;
  unchanged: number;
  /** retro-hunts: time spent on the rule */
  duration_ms?: number;
}

export type Tally = RuleTally & { by_rule: Record<string, RuleTally> };

export const emptyTally = (): Tally => ({ created: 0, updated: 0, unchanged: 0, by_rule: {} });

export function count(tally: Tally, ruleId: string, outcome: AlertWriteOutcome): void {
  tally[outcome]++;
  const rule = (tally.by_rule[ruleId] ??= { created: 0, updated: 0, unchanged: 0 });
  rule[outcome]++;
}

export interface EngineOptions {
  catalogue: Catalogue;
  store: DetectionStore;
  alerts: AlertStore;
  /** the evaluator of every rule type (composed at start-up: rule-evaluators.ts) */
  evaluators: EvaluatorTable;
  /** where the alert writer records notifications for the outbox */
  notifications?: AlertNotifications;
  now?: () => number;
  /** the rules streaming evaluates here (a partition's: partitions.ts); all enabled rules without it */
  streamingRules?: readonly string[];
}

const KEYS_PER_SCOPE = 500;

/** A streaming evaluation put off until `due` (EvaluationScope.defer); `since` is the earliest event.ingested behind it (Infinity: unknown). */
interface Deferred {
  rule: Rule;
  unit: EvaluationUnit;
  scope: EvaluationScope;
  due: number;
  since: number;
}

export class DetectionEngine {
  readonly catalogue: Catalogue;
  readonly writer: AlertWriter;
  readonly ctx: EvaluationContext;
  private readonly evaluators: EvaluatorTable;
  private readonly deferred = new Map<string, Deferred>();
  private readonly onlyStreaming: ReadonlySet<string> | undefined;

  constructor(options: EngineOptions) {
    if (options.streamingRules) this.onlyStreaming = new Set(options.streamingRules);
    this.catalogue = options.catalogue;
    this.evaluators = options.evaluators;
    this.writer = new AlertWriter(options.alerts, options.notifications);
    this.ctx = { store: options.store, config: options.catalogue.config, cache: new Map(), memory: new Map(), now: options.now ?? Date.now };
  }

  /** Streaming memory only covers what this process saw; a replica taking over streaming starts it afresh. */
  forgetStreamingMemory(): void {
    this.ctx.memory.clear();
    this.deferred.clear();
  }

  /** Earliest event.ingested behind an evaluation still put off: a durable checkpoint must stay before it. */
  deferredSince(): number | undefined {
    let since = Infinity;
    for (const d of this.deferred.values()) since = Math.min(since, d.since);
    return Number.isFinite(since) ? since : undefined;
  }

  get deferredCount(): number {
    return this.deferred.size;
  }

  enabledRules(ids?: readonly string[]): Rule[] {
    if (!ids || ids.length === 0) return this.catalogue.rules.filter((r) => r.enabled);
    return ids.map((id) => {
      const rule = this.catalogue.byId.get(id);
      if (!rule) throw new UnknownRuleError(id, this.catalogue.rules.map((r) => r.id));
      return rule;
    });
  }

  /** Retro-hunt step: every unit of one rule over fire points in [from, to). */
  async evaluateSpan(rule: Rule, from: number, to: number, tally: Tally): Promise<void> {
    const evaluator = evaluatorFor(rule, this.evaluators);
    for (const unit of evaluator.units(rule, this.ctx)) await this.run(rule, unit, { from, to }, tally);
  }

  /** The rules streaming evaluates here: a partition's (partitions.ts), or every enabled rule. */
  streamingRules(): Rule[] {
    return this.enabledRules().filter((r) => !this.onlyStreaming || this.onlyStreaming.has(r.id));
  }

  /**
   * Streaming step of one rule (rule-pipeline.ts runs the rules, each at its own pace): the entities and spans these
   * newly ingested events can affect. `ingestedSince`, the events' earliest event.ingested, is kept with any
   * evaluation put off meanwhile (see deferredSince). Rules share no mutable state: each keeps its streaming memory
   * and put-off evaluations under its own keys, so several rules may be evaluated at once.
   */
  async evaluateNewEvents(rule: Rule, events: EventDoc[], tally: Tally = emptyTally(), ruleMs?: Record<string, number>, ingestedSince?: number): Promise<Tally> {
    const context = { ...predicateContext(this.catalogue.config), missingFields: TEXT_FIELDS };
    const started = Date.now();
    const evaluator = evaluatorFor(rule, this.evaluators);
    try {
      for (const unit of evaluator.units(rule, this.ctx)) {
        const trigger = compilePredicate(unit.trigger, context);
        let candidates = await filterLettingIoIn(await triggerPool(events, unit.trigger), (e) => trigger(e) !== false);
        await letIoIn();
        if (candidates.length > 0 && evaluator.relevant) candidates = await evaluator.relevant(rule, unit, candidates, this.ctx);
        for (const scope of streamingScopes(candidates, unit)) {
          await letIoIn();
          await this.run(rule, unit, { ...scope, defer: this.deferrer(rule, unit, ingestedSince) }, tally);
        }
      }
    } finally {
      if (ruleMs) ruleMs[rule.id] = (ruleMs[rule.id] ?? 0) + (Date.now() - started);
    }
    return tally;
  }

  /**
   * Events that some rules evaluated and others did not are evaluated again (by every rule: streaming re-reads them
   * from its checkpoint), so the memories that count each event once are dropped; the others (upper bounds, values
   * seen) are only ever raised by an event met twice. Call it when no evaluation is running.
   */
  forgetCountedOnce(): void {
    for (const key of this.ctx.memory.keys()) if (key.startsWith(COUNTED_ONCE)) this.ctx.memory.delete(key);
  }

  /**
   * Streaming step without new events: the put-off evaluations that are due (of one rule, or of all). Those of one rule unit over the same
   * span are one evaluation of all their entities (up to the unit's keysPerScope requests at a time): the peer rule's
   * rechecks of one hour cost one read, not one per department. Each is taken off while it runs: what it puts off
   * again is a new request with its own due time (kept with the old one, an evaluation that does not settle would be
   * due again at every poll), and with the `since` of the request it came from.
   */
  async evaluateDue(tally: Tally = emptyTally(), ruleMs?: Record<string, number>, now = Date.now(), ruleId?: string): Promise<Tally> {
    const bySpan = new Map<string, Array<[string, Deferred]>>();
    for (const [key, d] of this.deferred) {
      if (d.due > now || (ruleId !== undefined && d.rule.id !== ruleId)) continue;
      const span = `${d.rule.id}|${d.unit.signal ?? ''}|${d.scope.from}|${d.scope.to}`;
      const requests = bySpan.get(span);
      if (requests) requests.push([key, d]);
      else bySpan.set(span, [[key, d]]);
    }
    for (const requests of bySpan.values()) {
      for (const part of batches(requests, requests[0]![1].unit.keysPerScope ?? KEYS_PER_SCOPE)) {
        const started = Date.now();
        const { rule, unit } = part[0]![1];
        for (const [key] of part) this.deferred.delete(key);
        try {
          // what it puts off again keeps the `since` of the request it came from (others: the earliest of the part)
          const since = new Map(part.map(([key, d]) => [key, d.since]));
          const earliest = Math.min(...since.values());
          const defer: NonNullable<EvaluationScope['defer']> = (key, scope, due) => this.deferrer(rule, unit, since.get(deferredId(rule, unit, key)) ?? earliest)(key, scope, due);
          await this.run(rule, unit, { ...mergedScope(part.map(([, d]) => d.scope)), defer }, tally);
        } catch (error) {
          for (const [key, d] of part) if (!this.deferred.has(key)) this.deferred.set(key, d);
          throw error;
        }
        if (ruleMs) ruleMs[rule.id] = (ruleMs[rule.id] ?? 0) + (Date.now() - started);
      }
    }
    return tally;
  }

  /**
   * Requests with one key are one evaluation, due at the earliest asked. Its `since` is that of the latest batch
   * that asked: re-reading any one event that asked for an evaluation asks for it again (EvaluationScope.defer),
   * so the checkpoint need only stay before the latest, and keeps up while new events keep asking.
   */
  private deferrer(rule: Rule, unit: EvaluationUnit, since = Infinity): NonNullable<EvaluationScope['defer']> {
    return (key, scope, due) => {
      const id = deferredId(rule, unit, key);
      const known = this.deferred.get(id);
      const asked = [known?.since ?? Infinity, since].filter(Number.isFinite);
      const latest = asked.length > 0 ? Math.max(...asked) : Infinity;
      this.deferred.set(id, { rule, unit, scope, due: Math.min(known?.due ?? Infinity, due), since: latest });
    };
  }

  private async run(rule: Rule, unit: EvaluationUnit, scope: EvaluationScope, tally: Tally): Promise<void> {
    const evaluator = evaluatorFor(rule, this.evaluators);
    const timed = timeRuleEvaluation(rule.id);
    const writes: Array<Promise<void>> = [];
    for await (const finding of evaluator.evaluate(rule, unit, scope, this.ctx)) {
      await letIoIn();
      writes.push(this.writer.write(finding, evaluator, unit, this.ctx).then((outcome) => count(tally, rule.id, outcome)));
      if (writes.length >= 8) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    timed();
  }
}

type Affected = { key: string[]; min: number; max: number; events: EventDoc[] };

/** The entities, their event-time spans and their events, of the new events that concern a unit. */
function affectedEntities(events: EventDoc[], unit: EvaluationUnit): Affected[] {
  const affected = new Map<string, Affected>();
  for (const event of events) {
    const key = entityOf(event, unit.keyFields);
    if (!key) continue;
    const t = ms(event);
    const k = keyString(key);
    const seen = affected.get(k);
    if (seen) {
      seen.min = Math.min(seen.min, t);
      seen.max = Math.max(seen.max, t);
      seen.events.push(event);
    } else affected.set(k, { key, min: t, max: t, events: [event] });
  }
  return [...affected.values()];
}

/** A put-off evaluation's identity: requests with one identity are one evaluation. */
const deferredId = (rule: Rule, unit: EvaluationUnit, key: string) => `${rule.id}|${unit.signal ?? ''}|${key}`;

/** One scope for several over the same span: their entities (all of them when any scope had no key list). */
function mergedScope(scopes: EvaluationScope[]): EvaluationScope {
  const { from, to } = scopes[0]!;
  if (scopes.some((s) => !s.keys)) return { from, to };
  const keys = new Map<string, string[]>();
  for (const scope of scopes) for (const key of scope.keys!) keys.set(keyString(key), key);
  return { from, to, keys: [...keys.values()] };
}

/**
 * The evaluations streaming makes of a unit's new events: entities with recent activity share a scope (at most the
 * unit's keysPerScope, KEYS_PER_SCOPE without it); stragglers (events more than a day older than the newest) get
 * their own.
 */
export function streamingScopes(events: EventDoc[], unit: EvaluationUnit): EvaluationScope[] {
  const affected = affectedEntities(events, unit);
  if (affected.length === 0) return [];
  const scopes: EvaluationScope[] = [];
  const latest = Math.max(...affected.map((a) => a.max));
  const recent = affected.filter((a) => latest - a.min <= DAY_MS);
  const late = affected.filter((a) => latest - a.min > DAY_MS);
  for (const batch of batches(recent, unit.keysPerScope ?? KEYS_PER_SCOPE)) {
    scopes.push({ from: Math.min(...batch.map((a) => a.min)), to: Math.max(...batch.map((a) => a.max)) + unit.lookaheadMs, keys: batch.map((a) => a.key), events: batch.flatMap((a) => a.events) });
  }
  for (const a of late) scopes.push({ from: a.min, to: a.max + unit.lookaheadMs, keys: [a.key], events: a.events });
  return scopes;
}

export class UnknownRuleError extends Error {
  readonly statusCode = 400;
  constructor(id: string, known: string[]) {
    super(`unknown rule "${id}"; known rules: ${known.join(', ')}`);
  }
}

