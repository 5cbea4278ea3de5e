/**
 * The provisioned notification policy tree and Grafana's embedded Alertmanager (prometheus/alertmanager
 * dispatch/route.go Route.Match, dispatch.go aggrGroup, notify.go DedupStage), read for how alerts reach receivers:
 *
 *   routing   an alert enters at the root; each child is tried in order; a matching child is descended into and,
 *             unless it says `continue`, ends the search; when no child matches, the node itself takes it.
 *             Unset receiver, group_by and timings are inherited from the parent.
 *   matchers  object_matchers [label, op, value]: = and != compare, =~ and !~ are anchored regular expressions;
 *             a missing label is the empty string.
 *   grouping  alerts of one route with equal values of the group_by labels ('...' = all labels) form a group.
 *   timing    a new group is first flushed group_wait after its first alert, then every group_interval; a flush
 *             notifies when a firing alert is new to the receiver or an alert it was told about has resolved, or
 *             when repeat_interval has passed since the last notification of a still-firing group.
 */
import { parseDuration, type Route } from '../provisioned.js';

export interface EffectiveRoute {
  path: string;
  receiver: string;
  groupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

/** Alertmanager's defaults for timings nobody set (config.DefaultRouteOpts). */
const DEFAULTS = { groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' };

function matches(route: Route, labels: Record<string, string>): boolean {
  return (route.object_matchers ?? []).every(([name = '', op = '=', value = '']) => {
    const actual = labels[name] ?? '';
    switch (op) {
      case '=':
        return actual === value;
      case '!=':
        return actual !== value;
      case '=~':
        return new RegExp(`^(?:${value})$`).test(actual);
      case '!~':
        return !new RegExp(`^(?:${value})$`).test(actual);
      default:
        throw new Error(`matcher operator ${op}`);
    }
  });
}

function effective(route: Route, parent: EffectiveRoute | undefined, path: string): EffectiveRoute {
  const ms = (value: string | undefined, inherited: number | undefined, fallback: string) => parseDuration(value ?? '') ?? inherited ?? parseDuration(fallback)!;
  return {
    path,
    receiver: route.receiver ?? parent?.receiver ?? '',
    groupBy: route.group_by ?? parent?.groupBy ?? [],
    groupWaitMs: ms(route.group_wait, parent?.groupWaitMs, DEFAULTS.groupWait),
    groupIntervalMs: ms(route.group_interval, parent?.groupIntervalMs, DEFAULTS.groupInterval),
    repeatIntervalMs: ms(route.repeat_interval, parent?.repeatIntervalMs, DEFAULTS.repeatInterval),
  };
}

/** The routes (receivers with their timing) an alert with these labels is delivered through. */
export function matchRoutes(root: Route, labels: Record<string, string>): EffectiveRoute[] {
  const visit = (route: Route, parent: EffectiveRoute | undefined, path: string): EffectiveRoute[] | undefined => {
    if (parent && !matches(route, labels)) return undefined;
    const here = effective(route, parent, path);
    const found: EffectiveRoute[] = [];
    for (const [i, child] of (route.routes ?? []).entries()) {
      const matched = visit(child, here, `${path}.routes[${i}]`);
      if (!matched) continue;
      found.push(...matched);
      if (!child.continue) break;
    }
    return found.length > 0 ? found : [here];
  };
  return visit(root, undefined, 'root') ?? [];
}

export interface Notification {
  at: number;
  receiver: string;
  status: 'firing' | 'resolved';
  /** the alerts it reports (firing ones for a firing notification, resolved ones otherwise) */
  alerts: Array<Record<string, string>>;
}

interface Group {
  route: EffectiveRoute;
  alerts: Map<string, { labels: Record<string, string>; resolved: boolean }>;
  nextFlush: number;
  lastNotifiedAt?: number;
  /** alerts the receiver was last told are firing */
  notifiedFiring: Set<string>;
}

const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export class Alertmanager {
  private readonly groups = new Map<string, Group>();
  readonly sent: Notification[] = [];

  constructor(private readonly root: Route) {}

  /** Alerts Grafana sends at one evaluation: still or newly firing, and just resolved. */
  receive(at: number, firing: Array<Record<string, string>>, resolved: Array<Record<string, string>>): void {
    for (const [labels, isResolved] of [...firing.map((l) => [l, false] as const), ...resolved.map((l) => [l, true] as const)]) {
      for (const route of matchRoutes(this.root, labels)) {
        const groupLabels = route.groupBy.includes('...') ? labels : Object.fromEntries(route.groupBy.filter((l) => l in labels).map((l) => [l, labels[l]!]));
        const id = `${route.path} ${keyOf(groupLabels)}`;
        let group = this.groups.get(id);
        if (!group) {
          if (isResolved) continue; // a resolved alert never seen by this route has nothing to resolve
          group = { route, alerts: new Map(), nextFlush: at + route.groupWaitMs, notifiedFiring: new Set() };
          this.groups.set(id, group);
        }
        group.alerts.set(keyOf(labels), { labels, resolved: isResolved });
      }
    }
  }

  /** Runs every flush due up to `to`. */
  advance(to: number): void {
    for (;;) {
      const due = [...this.groups.entries()].filter(([, g]) => g.nextFlush <= to).sort(([, a], [, b]) => a.nextFlush - b.nextFlush)[0];
      if (!due) return;
      const [id, group] = due;
      const at = group.nextFlush;
      const firing = [...group.alerts.entries()].filter(([, a]) => !a.resolved);
      const resolved = [...group.alerts.entries()].filter(([key, a]) => a.resolved && group.notifiedFiring.has(key));
      const newFiring = firing.some(([key]) => !group.notifiedFiring.has(key));
      const repeat = firing.length > 0 && group.lastNotifiedAt !== undefined && at - group.lastNotifiedAt >= group.route.repeatIntervalMs;
      if (newFiring || resolved.length > 0 || repeat) {
        this.sent.push(
          firing.length > 0
            ? { at, receiver: group.route.receiver, status: 'firing', alerts: firing.map(([, a]) => a.labels) }
            : { at, receiver: group.route.receiver, status: 'resolved', alerts: resolved.map(([, a]) => a.labels) },
        );
        group.lastNotifiedAt = at;
        group.notifiedFiring = new Set(firing.map(([key]) => key));
      }
      for (const [key, alert] of group.alerts) if (alert.resolved) group.alerts.delete(key);
      if (group.alerts.size === 0) this.groups.delete(id);
      else group.nextFlush = at + group.route.groupIntervalMs;
    }
  }
}
