/** Checks on provisioning/alerting/contact-points.yaml and policies.yaml: what Grafana rejects at startup. */
import { parseDuration, type Route } from '../provisioned.js';
import { validUid, type Check } from './check.js';

const STARTUP = 'alerting provisioning fails and Grafana exits (RunInitProvisioners)';
const MATCH_OPS = ['=', '!=', '=~', '!~'];

function walk(route: Route, fn: (r: Route, path: string) => void, path = 'root'): void {
  fn(route, path);
  (route.routes ?? []).forEach((child, i) => walk(child, fn, `${path}.routes[${i}]`));
}

export const NOTIFICATION_CHECKS: Check[] = [
  {
    id: 'contact-points',
    mirrors: 'pkg/services/provisioning/alerting/contact_point_types.go ContactPointV1.MapToModel, ReceiverV1.mapToModel (EmbeddedContactPoint.Valid: webhook needs url)',
    consequence: STARTUP,
    run: (p) => {
      const problems: string[] = [];
      const uids = new Set<string>();
      for (const cp of p.contactPoints.contactPoints) {
        if (!cp.name?.trim()) problems.push('contact point: no name is set');
        for (const r of cp.receivers ?? []) {
          if (!r.uid?.trim()) problems.push(`${cp.name}: no uid is set`);
          else if (!validUid(r.uid)) problems.push(`${cp.name}: uid ${r.uid} is not a valid short uid`);
          if (uids.has(r.uid)) problems.push(`${cp.name}: uid ${r.uid} is used twice`);
          uids.add(r.uid);
          if (!r.type?.trim()) problems.push(`${cp.name}: no type is set`);
          if (!r.settings || Object.keys(r.settings).length === 0) problems.push(`${cp.name}: no settings are set`);
          if (r.type === 'webhook' && !String(r.settings?.url ?? '').trim()) problems.push(`${cp.name}: webhook without url`);
        }
      }
      return problems;
    },
  },
  {
    id: 'policy-root',
    mirrors: 'pkg/services/ngalert/api/tooling/definitions/alertmanager.go Route.Validate',
    consequence: STARTUP,
    run: (p) =>
      p.policies.policies.flatMap((root) => {
        const problems: string[] = [];
        if (!root.receiver) problems.push('root route must specify a default receiver');
        if (root.object_matchers?.length || root.matchers?.length) problems.push('root route must not have any matchers');
        if (root.mute_time_intervals?.length) problems.push('root route must not have any mute time intervals');
        if (root.active_time_intervals?.length) problems.push('root route must not have any active time intervals');
        return problems;
      }),
  },
  {
    id: 'policy-routes',
    mirrors: 'pkg/services/ngalert/api/tooling/definitions/alertmanager.go Route.ValidateChild; prometheus/alertmanager labels.NewMatcher',
    consequence: STARTUP,
    run: (p) => {
      const problems: string[] = [];
      for (const root of p.policies.policies)
        walk(root, (r, path) => {
          const groupBy = r.group_by ?? [];
          if (groupBy.includes('...') && groupBy.length > 1) problems.push(`${path}: cannot have wildcard group_by (\`...\`) and other labels at the same time`);
          if (new Set(groupBy).size !== groupBy.length) problems.push(`${path}: duplicated label in group_by`);
          for (const [name, value] of [['group_wait', r.group_wait], ['group_interval', r.group_interval], ['repeat_interval', r.repeat_interval]] as const) {
            if (value === undefined) continue;
            const ms = parseDuration(value);
            if (ms === undefined) problems.push(`${path}: ${name} ${value} is not a duration`);
            else if (ms === 0 && name !== 'group_wait') problems.push(`${path}: ${name} cannot be zero`);
          }
          for (const m of r.object_matchers ?? [])
            if (m.length !== 3 || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m[0] ?? '') || !MATCH_OPS.includes(m[1] ?? '')) problems.push(`${path}: matcher ${JSON.stringify(m)} is not [label, =|!=|=~|!~, value]`);
        });
      return problems;
    },
  },
  {
    id: 'policy-receivers-exist',
    mirrors: 'pkg/services/ngalert/api/tooling/definitions/alertmanager.go Route.ValidateReceivers (via pkg/services/ngalert/provisioning/notification_policies.go UpdatePolicyTree)',
    consequence: `"receiver '…' does not exist": ${STARTUP}`,
    run: (p) => {
      const names = new Set(p.contactPoints.contactPoints.map((c) => c.name));
      const problems: string[] = [];
      for (const root of p.policies.policies) walk(root, (r, path) => void (r.receiver && !names.has(r.receiver) && problems.push(`${path}: receiver '${r.receiver}' does not exist`)));
      return problems;
    },
  },
];
