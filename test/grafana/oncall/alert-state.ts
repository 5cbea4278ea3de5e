/**
 * The alert instances of one rule across evaluations, as Grafana's state manager keeps them
 * (pkg/services/ngalert/state/manager.go, state.go):
 *   - a firing result starts Pending, and is Alerting once it has been firing for the rule's `for` (at once if 0s);
 *   - a result that stops firing is Normal again: resolved if it was Alerting;
 *   - an instance missing from the results is stale once it has not been evaluated for two intervals
 *     (stateIsStale: lastEval + 2 × interval ≤ now); stale Alerting instances are resolved.
 * Grafana sends every Alerting instance to its Alertmanager at each evaluation, and each resolved one once.
 */
import type { EvaluatedInstance } from './rule-evaluation.js';

export interface InstanceState {
  labels: Record<string, string>;
  state: 'Normal' | 'Pending' | 'Alerting';
  since: number;
  lastEval: number;
}

export interface StateUpdate {
  firing: Array<Record<string, string>>;
  resolved: Array<Record<string, string>>;
}

export const fingerprint = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export class RuleStates {
  readonly instances = new Map<string, InstanceState>();

  constructor(
    private readonly forMs: number,
    private readonly intervalMs: number,
  ) {}

  apply(at: number, results: EvaluatedInstance[]): StateUpdate {
    const update: StateUpdate = { firing: [], resolved: [] };
    const seen = new Set<string>();
    for (const result of results) {
      const key = fingerprint(result.labels);
      seen.add(key);
      const current = this.instances.get(key) ?? { labels: result.labels, state: 'Normal' as const, since: at, lastEval: at };
      current.lastEval = at;
      if (result.firing) {
        if (current.state === 'Normal') Object.assign(current, { state: this.forMs === 0 ? 'Alerting' : 'Pending', since: at });
        else if (current.state === 'Pending' && at - current.since >= this.forMs) Object.assign(current, { state: 'Alerting', since: at });
      } else {
        if (current.state === 'Alerting') update.resolved.push(current.labels);
        Object.assign(current, { state: 'Normal', since: at });
      }
      this.instances.set(key, current);
    }
    for (const [key, instance] of this.instances) {
      if (seen.has(key) || instance.lastEval + 2 * this.intervalMs > at) continue;
      if (instance.state === 'Alerting') update.resolved.push(instance.labels);
      this.instances.delete(key);
    }
    for (const instance of this.instances.values()) if (instance.state === 'Alerting') update.firing.push(instance.labels);
    return update;
  }
}
