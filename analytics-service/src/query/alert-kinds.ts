/**
 * Kinds over the alerts index the detection engine writes (mapping: `alertMapping` in elasticsearch/mappings.ts):
 * alert table, alert counts, top users, annotations. `top_users` can also count high/critical events directly.
 */
import type { estypes } from '../elasticsearch/dsl.js';
import { SEVERITIES, severityRank, type Severity } from '../contract/event-schema.js';
import { aggregate, alertFilters, bucketsOf, eventFilters, field, frame, valueOf, type QueryContext } from './context.js';
import type { FrameJson, QueryTargetOf } from './kinds.js';
import { SEVERITY_RISK } from '../ueba/risk-score.js';

/** The fields of an alert document this module reads. */
interface AlertDocument {
  '@timestamp': string;
  id?: string;
  rule_id?: string;
  title?: string;
  severity?: string;
  window_start?: string;
  window_end?: string;
  user_id?: string;
  endpoint?: string;
  model?: string;
  status?: string;
  event_count?: number;
  risk_score?: number;
  observed?: number;
  threshold?: number;
  response?: string;
  tags?: string[] | string;
  /** the rule's group-by fields, whose values (on the document) name what the alert is about */
  entity_fields?: string[];
  [field: string]: unknown;
}

/** What an alert is about, from its rule's group-by fields: `judge_model=gpt-4o`, `agent_id=agent-7 tool_name=send_email`. */
function entityOf(doc: AlertDocument): string | null {
  const parts = (doc.entity_fields ?? []).filter((f) => doc[f] !== undefined && doc[f] !== null).map((f) => `${f}=${String(doc[f])}`);
  return parts.length > 0 ? parts.join(' ') : null;
}

const LADDER_DESC = [...SEVERITIES].reverse();

async function searchAlerts(ctx: QueryContext, query: estypes.QueryDslQueryContainer, size: number): Promise<AlertDocument[]> {
  return ctx.reader.documents<AlertDocument>(ctx.indices.alerts, query, size, [{ '@timestamp': { order: 'desc' } }]);
}

const time = (iso: string | undefined) => (iso ? Date.parse(iso) : null);

export async function alerts(ctx: QueryContext, target: QueryTargetOf<'alerts'>): Promise<FrameJson[]> {
  const docs = await searchAlerts(ctx, { bool: alertFilters(ctx, target) }, target.limit ?? 100);
  if (docs.length === 0) return [];
  return [
    frame(
      'alerts',
      [
        field('Time', 'time', docs.map((d) => time(d['@timestamp']))),
        field('severity', 'string', docs.map((d) => d.severity ?? null)),
        field('rule_id', 'string', docs.map((d) => d.rule_id ?? null)),
        field('title', 'string', docs.map((d) => d.title ?? null)),
        field('entity', 'string', docs.map(entityOf)),
        field('user_id', 'string', docs.map((d) => d.user_id ?? null)),
        field('endpoint', 'string', docs.map((d) => d.endpoint ?? null)),
        field('model', 'string', docs.map((d) => d.model ?? null)),
        field('status', 'string', docs.map((d) => d.status ?? 'open')),
        field('event_count', 'number', docs.map((d) => d.event_count ?? null)),
        field('observed', 'number', docs.map((d) => d.observed ?? null)),
        field('threshold', 'number', docs.map((d) => d.threshold ?? null)),
        field('risk_score', 'number', docs.map(alertRisk), { config: { min: 0, max: 100 } }),
        field('id', 'string', docs.map((d) => d.id ?? null)),
      ],
      { preferredVisualisationType: 'table' },
    ),
  ];
}

export async function alertSummary(ctx: QueryContext, target: QueryTargetOf<'alert_summary'>): Promise<FrameJson[]> {
  const groupBy = target.groupBy ?? 'severity';
  const status = target.status ?? 'open';
  const aggs = await aggregate(ctx, ctx.indices.alerts, { bool: alertFilters(ctx, { ...target, status }) }, {
    groups: { terms: { field: groupBy, size: groupBy === 'severity' ? SEVERITIES.length : 20 } },
  });
  const counts = new Map(bucketsOf(aggs, 'groups').map((b) => [String(b.key), b.doc_count]));
  // the severity ladder is always shown whole, highest first, so a zero reads as "none" rather than "missing"
  const keys = groupBy === 'severity' ? LADDER_DESC.filter((s) => s !== 'info' || counts.has('info')) : [...counts.keys()];
  return [
    frame('alert_summary', [
      field(groupBy, 'string', keys),
      field('alerts', 'number', keys.map((k) => counts.get(k) ?? 0)),
    ]),
  ];
}

/**
 * An alert's risk is its own risk_score, else its severity's default (ueba/risk-score.ts SEVERITY_RISK, as entity risk
 * counts it): the user's highest, from the largest explicit score and the highest severity among unscored alerts.
 */
function maxRisk(user: unknown): number | null {
  const explicit = valueOf(user, 'risk');
  const unscored = bucketsOf((user as { unscored?: unknown }).unscored, 'severities').filter((b) => b.doc_count > 0);
  const byDefault = unscored.map((b) => SEVERITY_RISK[b.key as Severity] ?? 0);
  const all = [...(typeof explicit === 'number' ? [explicit] : []), ...byDefault];
  return all.length > 0 ? Math.max(...all) : null;
}

/** An alert's risk: its own, else its severity's default. */
const alertRisk = (d: AlertDocument): number | null => d.risk_score ?? (d.severity ? (SEVERITY_RISK[d.severity as Severity] ?? null) : null);

/** Seed 001 panel 2, from alerts (default) or, as the seed counts them, from high/critical events. */
export async function topUsers(ctx: QueryContext, target: QueryTargetOf<'top_users'>): Promise<FrameJson[]> {
  const fromEvents = target.source === 'events';
  const query = fromEvents
    ? { bool: { filter: [...eventFilters(ctx, { ...target, severity: undefined }), { terms: { severity: target.severity?.length ? target.severity : ['high', 'critical'] } }] } }
    : { bool: { ...alertFilters(ctx, target), filter: [...alertFilters(ctx, target).filter, { exists: { field: 'user_id' } }] } };
  const aggs = await aggregate(ctx, fromEvents ? ctx.indices.events : ctx.indices.alerts, query, {
    users: {
      terms: { field: 'user_id', size: target.limit ?? 10 },
      aggs: {
        severities: { terms: { field: 'severity', size: SEVERITIES.length } },
        last: { max: { field: '@timestamp' } },
        ...(fromEvents
          ? { kinds: { cardinality: { field: 'category' } } }
          : {
              kinds: { cardinality: { field: 'rule_id' } },
              risk: { max: { field: 'risk_score' } },
              // alerts without their own risk count at their severity's (the engine's alerts mostly carry none)
              unscored: { filter: { bool: { must_not: { exists: { field: 'risk_score' } } } }, aggs: { severities: { terms: { field: 'severity', size: SEVERITIES.length } } } },
            }),
      },
    },
  });
  const users = bucketsOf(aggs, 'users');
  if (users.length === 0) return [];
  const bySeverity = (s: Severity) => users.map((u) => bucketsOf(u, 'severities').find((b) => b.key === s)?.doc_count ?? 0);
  return [
    frame('top_users', [
      field('user_id', 'string', users.map((u) => String(u.key))),
      field(fromEvents ? 'events' : 'alerts', 'number', users.map((u) => u.doc_count)),
      field('critical', 'number', bySeverity('critical')),
      field('high', 'number', bySeverity('high')),
      ...(fromEvents ? [] : [field('medium', 'number', bySeverity('medium')), field('low', 'number', bySeverity('low'))]),
      field(fromEvents ? 'categories' : 'rules', 'number', users.map((u) => valueOf(u, 'kinds') ?? 0)),
      ...(fromEvents ? [] : [field('max_risk', 'number', users.map(maxRisk), { config: { min: 0, max: 100 } })]),
      field('last_seen', 'time', users.map((u) => valueOf(u, 'last'))),
    ], { preferredVisualisationType: 'table' }),
  ];
}

/** Alerts at or above a severity, as Grafana annotation rows: time, timeEnd, title, text, tags. */
export async function annotations(ctx: QueryContext, target: QueryTargetOf<'annotations'>): Promise<FrameJson[]> {
  const min = target.minSeverity ?? 'high';
  const severities = SEVERITIES.filter((s) => severityRank(s) >= severityRank(min));
  const base = alertFilters(ctx, target);
  const docs = await searchAlerts(ctx, { bool: { ...base, filter: [...base.filter, { terms: { severity: severities } }] } }, target.limit ?? 500);
  if (docs.length === 0) return [];
  const text = (d: AlertDocument) =>
    [
      d.user_id ? `user ${d.user_id}` : '',
      d.endpoint ? `endpoint ${d.endpoint}` : '',
      d.observed !== undefined ? `observed ${d.observed}${d.threshold !== undefined ? ` (threshold ${d.threshold})` : ''}` : '',
      d.event_count !== undefined ? `${d.event_count} events` : '',
      d.response ?? '',
    ]
      .filter(Boolean)
      .join(' · ');
  return [
    frame('annotations', [
      field('time', 'time', docs.map((d) => time(d.window_start) ?? time(d['@timestamp']))),
      field('timeEnd', 'time', docs.map((d) => time(d.window_end) ?? time(d['@timestamp']))),
      field('title', 'string', docs.map((d) => `[${d.severity ?? '?'}] ${d.title ?? d.rule_id ?? 'alert'}`)),
      field('text', 'string', docs.map(text)),
      field('tags', 'other', docs.map((d) => [d.rule_id, d.severity, d.user_id ? `user:${d.user_id}` : undefined].filter((t): t is string => Boolean(t)))),
      field('id', 'string', docs.map((d) => d.id ?? null)),
    ]),
  ];
}
