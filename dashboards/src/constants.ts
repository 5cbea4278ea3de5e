/**
 * Names every generated file agrees on: plugin ids, datasource uids, dashboard uids, index names, and the
 * paths inside the Grafana container that docker-compose mounts.
 */
import { indexNames } from '../../analytics-service/src/elasticsearch/index-names.js';

export const PLUGIN = {
  app: 'aisec-soc-app',
  datasource: 'aisec-ueba-datasource',
  panel: 'aisec-riskmatrix-panel',
} as const;

/** Index prefix of the stack (AISEC_INDEX_PREFIX's default). */
export const INDEX_PREFIX = 'aisec';
export const INDICES = indexNames(INDEX_PREFIX);

export const DATASOURCE = {
  aisec: { type: PLUGIN.datasource, uid: 'aisec' },
  alerts: { type: 'elasticsearch', uid: 'aisec-es-alerts' },
  baselines: { type: 'elasticsearch', uid: 'aisec-es-baselines' },
  metrics: { type: 'elasticsearch', uid: 'aisec-es-metrics' },
  events: { type: 'elasticsearch', uid: 'aisec-es-events' },
} as const;

/** The Elasticsearch index behind each provisioned Elasticsearch datasource. */
export const ES_DATASOURCE_INDEX: Record<string, string> = {
  [DATASOURCE.alerts.uid]: INDICES.alerts,
  [DATASOURCE.baselines.uid]: INDICES.baselines,
  [DATASOURCE.metrics.uid]: INDICES.metrics,
  [DATASOURCE.events.uid]: INDICES.events,
};

export const DASHBOARD = {
  soc: { uid: 'aisec-soc', slug: 'ai-security-soc-overview' },
  ueba: { uid: 'aisec-ueba', slug: 'ueba-entity-drill-down' },
  judge: { uid: 'aisec-judge', slug: 'judge-assurance' },
  guardrails: { uid: 'aisec-guardrails', slug: 'guardrail-effectiveness' },
} as const;

/** Where docker-compose mounts dashboards/json in the Grafana container. */
export const CONTAINER_DASHBOARDS_PATH = '/var/lib/grafana/dashboards';
/** Folder of the dashboards and alert rules in Grafana. */
export const FOLDER = { title: 'AI Security', uid: 'aisec' } as const;

/** Value of the "All" option of multi-value variables: the datasource drops the filter. */
export const ALL_VALUE = '__all__';

/** Link from a user anywhere to the UEBA drill-down, keeping the time range. */
export const UEBA_LINK = `/d/${DASHBOARD.ueba.uid}/${DASHBOARD.ueba.slug}?var-user=\${__value.raw}&\${__url_time_range}`;
