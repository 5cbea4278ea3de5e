/**
 * Every file this repository hands to Grafana, read from disk as Grafana would find it: the provisioning tree
 * mounted at /etc/grafana/provisioning, the dashboards JSON the provider reads, the three plugin.json files and
 * docker-compose.yml (which decides what is installed before Grafana starts). The conformance checks and the
 * on-call evaluator read this one structure; the mutation tests change a deep copy of it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The Grafana release docker-compose.yml pins and these checks were read against (Grafana's own source). */
export const GRAFANA_VERSION = '11.6';

export interface EsTerms {
  type: string;
  id: string;
  field?: string;
  settings?: Record<string, unknown>;
}
export interface EsMetric {
  type: string;
  id: string;
  field?: string;
}
/** The union of the query models our rules use: an Elasticsearch query or a server-side expression. */
export interface QueryModel {
  refId?: string;
  datasource?: { type?: string; uid?: string };
  // Elasticsearch
  query?: string;
  metrics?: EsMetric[];
  bucketAggs?: EsTerms[];
  timeField?: string;
  // expressions
  type?: string;
  expression?: string;
  reducer?: string;
  settings?: { mode?: string };
  conditions?: Array<{ evaluator?: { type?: string; params?: number[] } }>;
}
export interface RuleQuery {
  refId: string;
  relativeTimeRange?: { from: number; to: number };
  datasourceUid: string;
  model: QueryModel;
}
export interface Rule {
  uid: string;
  title: string;
  condition: string;
  data: RuleQuery[];
  noDataState?: string;
  execErrState?: string;
  for?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  isPaused?: boolean;
}
export interface RuleGroup {
  orgId?: number;
  name: string;
  folder: string;
  interval: string;
  rules: Rule[];
}
export interface Route {
  receiver?: string;
  group_by?: string[];
  object_matchers?: string[][];
  matchers?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  continue?: boolean;
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
  routes?: Route[];
}
export interface ContactPoint {
  orgId?: number;
  name: string;
  receivers: Array<{ uid: string; type: string; settings?: Record<string, unknown>; disableResolveMessage?: boolean }>;
}
export interface Datasource {
  name: string;
  type: string;
  uid?: string;
  url?: string;
  orgId?: number;
  isDefault?: boolean;
  jsonData?: Record<string, unknown>;
}
export interface DashboardProvider {
  name: string;
  orgId?: number;
  folder?: string;
  folderUid?: string;
  type?: string;
  allowUiUpdates?: boolean;
  options?: { path?: string; foldersFromFilesStructure?: boolean };
}
export interface Dashboard {
  uid?: string;
  title?: string;
  editable?: boolean;
  panels?: Array<{ id?: number; title?: string; type?: string }>;
}
export interface PluginJson {
  id?: string;
  type?: string;
  name?: string;
  info?: { version?: string };
  dependencies?: { grafanaDependency?: string };
  includes?: Array<{ type?: string; name?: string; path?: string }>;
}
export interface ComposeService {
  image?: string;
  build?: unknown;
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  environment?: Record<string, string>;
}

export interface Provisioned {
  rules: { apiVersion: number; groups: RuleGroup[] };
  contactPoints: { apiVersion: number; contactPoints: ContactPoint[] };
  policies: { apiVersion: number; policies: Array<Route & { orgId?: number }> };
  datasources: { apiVersion: number; datasources: Datasource[] };
  providers: { apiVersion: number; providers: DashboardProvider[] };
  plugins: { apiVersion: number; apps: Array<{ type?: string; org_id?: number; disabled?: boolean }> };
  /** dashboards by file name under dashboards/json */
  dashboards: Record<string, Dashboard>;
  /** plugin.json by path under grafana-plugin/src */
  pluginJsons: Record<string, PluginJson>;
  compose: { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
}

const readYaml = <T>(path: string): T => parse(readFileSync(join(REPO_ROOT, path), 'utf8')) as T;
const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(REPO_ROOT, path), 'utf8')) as T;

export function loadProvisioned(): Provisioned {
  const dashboards = Object.fromEntries(
    readdirSync(join(REPO_ROOT, 'dashboards/json'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, readJson<Dashboard>(`dashboards/json/${f}`)]),
  );
  const pluginJsons = Object.fromEntries(['plugin.json', 'datasource/plugin.json', 'panel/plugin.json'].map((p) => [p, readJson<PluginJson>(`grafana-plugin/src/${p}`)]));
  return {
    rules: readYaml('dashboards/provisioning/alerting/rules.yaml'),
    contactPoints: readYaml('dashboards/provisioning/alerting/contact-points.yaml'),
    policies: readYaml('dashboards/provisioning/alerting/policies.yaml'),
    datasources: readYaml('dashboards/provisioning/datasources/aisec.yaml'),
    providers: readYaml('dashboards/provisioning/dashboards/aisec.yaml'),
    plugins: readYaml('dashboards/provisioning/plugins/aisec.yaml'),
    dashboards,
    pluginJsons,
    compose: readYaml('docker-compose.yml'),
  };
}

export const allRules = (p: Provisioned): Array<{ group: RuleGroup; rule: Rule }> => p.rules.groups.flatMap((group) => group.rules.map((rule) => ({ group, rule })));

/** The Elasticsearch query (refId A-style, non-expression) of a rule. */
export const esQueries = (rule: Rule): RuleQuery[] => rule.data.filter((q) => q.datasourceUid !== '__expr__');

/** Prometheus-style durations, the syntax Grafana parses alerting durations with (prometheus/common model.ParseDuration). */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const match = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!text || !match) return undefined;
  const [, y, w, d, h, m, s, ms] = match.map((v) => Number(v ?? 0));
  return ((((y! * 365 + w! * 7 + d!) * 24 + h!) * 60 + m!) * 60 + s!) * 1000 + ms!;
}
