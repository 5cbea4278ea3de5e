/**
 * Grafana's alerting loop over the provisioned files, on a simulated clock: every rule group is evaluated at
 * each multiple of its interval (the scheduler's ticks), instance states are kept per rule, Alerting and resolved
 * instances go to the Alertmanager with the provisioned policy tree, and the notifications it sends are recorded.
 * Only the clock is simulated; every evaluation queries the real Elasticsearch.
 */
import { allRules, parseDuration, type Provisioned, type Rule, type RuleGroup } from '../provisioned.js';
import { RuleStates } from './alert-state.js';
import { Alertmanager } from './notification-routing.js';
import { evaluateRule, type QueryTarget } from './rule-evaluation.js';

export class GrafanaSimulation {
  readonly alertmanager: Alertmanager;
  private readonly states = new Map<string, RuleStates>();
  private readonly rules: Array<{ group: RuleGroup; rule: Rule; intervalMs: number }>;
  /** the simulated time of the last tick */
  now: number;

  constructor(
    private readonly provisioned: Provisioned,
    private readonly target: QueryTarget,
    start: number,
  ) {
    const [root] = provisioned.policies.policies;
    if (!root) throw new Error('no notification policy provisioned');
    this.alertmanager = new Alertmanager(root);
    this.rules = allRules(provisioned).map(({ group, rule }) => ({ group, rule, intervalMs: parseDuration(group.interval)! }));
    for (const { rule, intervalMs } of this.rules) this.states.set(rule.uid, new RuleStates(parseDuration(rule.for ?? '0s') ?? 0, intervalMs));
    // the scheduler's ticks are multiples of the base interval since the epoch; start on the first at or after `start`
    this.now = Math.ceil(start / 10_000) * 10_000 - 10_000;
  }

  state(uid: string): RuleStates {
    return this.states.get(uid)!;
  }

  /** One scheduler tick (10 s base interval): evaluates the groups due now, then lets the Alertmanager flush. */
  async tick(): Promise<void> {
    this.now += 10_000;
    for (const { group, rule, intervalMs } of this.rules) {
      if (this.now % intervalMs !== 0) continue;
      const results = await evaluateRule(this.provisioned, group, rule, this.now, this.target);
      const update = this.state(rule.uid).apply(this.now, results);
      this.alertmanager.receive(this.now, update.firing, update.resolved);
    }
    this.alertmanager.advance(this.now);
  }

  /** Ticks until `until` (simulated ms). */
  async runUntil(until: number): Promise<void> {
    while (this.now + 10_000 <= until) await this.tick();
  }

  /** Ticks until `probe` holds; fails after `limitMs` of simulated time. */
  async runUntilTrue(what: string, probe: () => boolean, limitMs: number): Promise<number> {
    const deadline = this.now + limitMs;
    while (!probe()) {
      if (this.now >= deadline) throw new Error(`after ${limitMs / 1000}s of simulated time: ${what} did not happen`);
      await this.tick();
    }
    return this.now;
  }
}
