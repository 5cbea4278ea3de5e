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

/**
 * The provisioned Elasticsearch datasources, one per index, with the name Grafana lists and the time field.
 * Grafana's Elasticsearch backend filters every query's time range on the datasource's timeField
 * (pkg/tsdb/elasticsearch, processQuery), so the clock an alert rule reads is chosen here: alerts page by created_at
 * (when the alert document was written: a retro-hunt alert about last week pages now), user risk by risk_updated_at
 * (risk refreshes do not move a baseline's @timestamp).
 */
export const ES_DATASOURCES: ReadonlyArray<{ uid: string; index: string; name: string; timeField: string }> = [
  { uid: DATASOURCE.alerts.uid, index: INDICES.alerts, name: 'AI Security alerts (Elasticsearch)', timeField: 'created_at' },
  { uid: DATASOURCE.baselines.uid, index: INDICES.baselines, name: 'AI Security UEBA baselines (Elasticsearch)', timeField: 'risk_updated_at' },
  { uid: DATASOURCE.metrics.uid, index: INDICES.metrics, name: 'AI Security daily metrics (Elasticsearch)', timeField: '@timestamp' },
  { uid: DATASOURCE.events.uid, index: INDICES.events, name: 'AI Security events (Elasticsearch)', timeField: '@timestamp' },
];

/** The time field of each Elasticsearch datasource, by uid. */
export const ES_DATASOURCE_TIME_FIELD: Record<string, string> = Object.fromEntries(ES_DATASOURCES.map((d) => [d.uid, d.timeField]));

/** The Elasticsearch index behind each provisioned Elasticsearch datasource, by uid. */
export const ES_DATASOURCE_INDEX: Record<string, string> = Object.fromEntries(ES_DATASOURCES.map((d) => [d.uid, d.index]));

export const DASHBOARD = {
  soc: { uid: 'aisec-soc', slug: 'ai-security-soc-overview' },
  ueba: { uid: 'aisec-ueba', slug: 'ueba-entity-drill-down' },
  judge: { uid: 'aisec-judge', slug: 'judge-assurance' },
  guardrails: { uid: 'aisec-guardrails', slug: 'guardrail-effectiveness' },
} as const;

/** Where docker-compose mounts dashboards/json in the Grafana container. */
export const CONTAINER_DASHBOARDS_PATH = '/var/lib/grafana/dashboards';
/**
 * Folder of the dashboards and alert rules in Grafana, identified by title on both sides: alerting provisioning
 * runs first and creates a missing rule folder by title with a random uid, so a dashboard provider asking for a
 * fixed folderUid would then fail to create a second folder of the same title (docs/grafana.md, "Provisioning").
 */
export const FOLDER = { title: 'AI Security' } as const;

/** Value of the "All" option of multi-value variables: the datasource drops the filter. */
export const ALL_VALUE = '__all__';

/** Link from a user anywhere to the UEBA drill-down, keeping the time range. */
export const UEBA_LINK = `/d/${DASHBOARD.ueba.uid}/${DASHBOARD.ueba.slug}?var-user=\${__value.raw}&\${__url_time_range}`;
