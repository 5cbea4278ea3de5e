/**
 * Checks that the alert rules can page for every alert of the detection engine, as docs/grafana.md ("Paging")
 * decides. These are not rules Grafana enforces: they bind Grafana's behaviour (terms aggregation, range filter,
 * label precedence) to what the service writes (analytics-service/src/detection/alert.ts, ueba/risk-refresh.ts).
 */
import { ALERT_STATUSES } from '../../../analytics-service/src/detection/alert.js';
import { ENTITY_FIELDS } from '../../../analytics-service/src/detection/rule-schema.js';
import { SEVERITIES } from '../../../analytics-service/src/contract/event-schema.js';
import { indexNames } from '../../../analytics-service/src/elasticsearch/index-names.js';
import { allRules, esQueries, type Provisioned } from '../provisioned.js';
import type { Check } from './check.js';
import { datasourceOf } from './es-queries.js';

const kindOf = (index: string): 'alerts' | 'baselines' | 'other' => {
  const prefix = index.slice(0, index.lastIndexOf('-'));
  const names = indexNames(prefix);
  return index === names.alerts ? 'alerts' : index === names.baselines ? 'baselines' : 'other';
};

function queriesOn(p: Provisioned, kind: 'alerts' | 'baselines') {
  return allRules(p).flatMap(({ rule }) =>
    esQueries(rule)
      .map((q) => ({ rule, q, ds: datasourceOf(p, q.datasourceUid) }))
      .filter(({ ds }) => kindOf(String(ds?.jsonData?.index ?? '')) === kind),
  );
}

/** `field:value` and `field:(a OR b)` terms of a Lucene query string. */
export function queryValues(query: string): Array<{ field: string; value: string }> {
  const out: Array<{ field: string; value: string }> = [];
  for (const m of query.matchAll(/([A-Za-z_@][\w.]*):(\([^)]*\)|"[^"]*"|[^\s()]+)/g)) {
    const raw = m[2]!.replace(/^\(|\)$/g, '');
    for (const v of raw.split(/\s+(?:OR|AND)\s+/)) out.push({ field: m[1]!, value: v.replace(/^"|"$/g, '') });
  }
  return out;
}

const ENUMS: Record<string, readonly string[]> = { status: ALERT_STATUSES, severity: SEVERITIES };

export const PAGING_CHECKS: Check[] = [
  {
    id: 'paging-one-instance-per-alert',
    mirrors: 'pkg/tsdb/elasticsearch/data_query.go addTermsAgg (no `missing` unless set: documents without the field fall out of the terms aggregation)',
    consequence: 'alerts whose rule does not write the grouped entity field (agent_id, session_id, src_ip rules) never page',
    run: (p) => {
      const onAlerts = queriesOn(p, 'alerts');
      if (onAlerts.length === 0) return ['no alert rule reads the alerts index: the detection engine\'s alerts never page'];
      return onAlerts.flatMap(({ rule, q }) => {
        const fields = (q.model.bucketAggs ?? []).map((a) => a.field ?? '');
        const problems: string[] = [];
        if (fields[0] !== 'id') problems.push(`rule ${rule.uid}: the first terms must be on the alert id, so each alert is its own instance (got ${fields.join(', ')})`);
        for (const f of fields) if ((ENTITY_FIELDS as readonly string[]).includes(f)) problems.push(`rule ${rule.uid}: terms on ${f}, which only some rules' alerts carry`);
        for (const needed of ['rule_id', 'severity']) if (!fields.includes(needed)) problems.push(`rule ${rule.uid}: instances need a ${needed} label`);
        return problems;
      });
    },
  },
  {
    id: 'paging-query-values',
    mirrors: 'analytics-service/src/detection/alert.ts ALERT_STATUSES; contract/event-schema.ts SEVERITIES (values the writer produces)',
    consequence: 'a filter on a value no document has (status "resolved") matches nothing or everything, silently',
    run: (p) =>
      queriesOn(p, 'alerts').flatMap(({ rule, q }) =>
        queryValues(q.model.query ?? '')
          .filter(({ field, value }) => ENUMS[field] && !ENUMS[field]!.includes(value))
          .map(({ field, value }) => `rule ${rule.uid}: ${field}:${value} — ${field} is one of ${ENUMS[field]!.join(', ')}`),
      ),
  },
  {
    id: 'paging-open-until-closed',
    mirrors: 'analytics-service/src/detection/alert.ts ALERT_STATUSES (open, acknowledged, closed)',
    consequence: 'a page resolves while the alert is still open, or keeps firing after triage closed it',
    run: (p) =>
      queriesOn(p, 'alerts').flatMap(({ rule, q }) => (q.model.query?.trim() === 'NOT status:closed' ? [] : [`rule ${rule.uid}: query "${q.model.query}" is not exactly the open statuses (NOT status:closed)`])),
  },
  {
    id: 'paging-clocks',
    mirrors: 'analytics-service/src/detection/alert.ts newAlert (created_at = when the document is written; @timestamp = episode start); ueba/risk-refresh.ts (risk_updated_at)',
    consequence: 'pages resolve by the clock while the alert is open, and late or retro-hunt alerts never page; risk refreshes do not count',
    run: (p) => [
      ...queriesOn(p, 'alerts').filter(({ ds }) => ds?.jsonData?.timeField !== 'created_at').map(({ rule, ds }) => `rule ${rule.uid}: pages by ${String(ds?.jsonData?.timeField)}, not created_at`),
      ...queriesOn(p, 'baselines').filter(({ ds }) => ds?.jsonData?.timeField !== 'risk_updated_at').map(({ rule, ds }) => `rule ${rule.uid}: reads baselines by ${String(ds?.jsonData?.timeField)}, not risk_updated_at`),
    ],
  },
  {
    id: 'paging-severity-label',
    mirrors: 'pkg/services/ngalert/state/cache.go expandAnnotationsAndLabels (instance labels = rule labels + result labels), routed by the policy tree',
    consequence: 'an instance without a severity label is routed by the default policy, not by the seed-004 ladder',
    run: (p) =>
      allRules(p).flatMap(({ rule }) => {
        const fromQuery = esQueries(rule).some((q) => (q.model.bucketAggs ?? []).some((a) => a.field === 'severity'));
        const fixed = rule.labels?.severity;
        if (fromQuery || (fixed && (SEVERITIES as readonly string[]).includes(fixed))) return [];
        return [`rule ${rule.uid}: its instances carry no severity on the ladder`];
      }),
  },
];
