/**
 * Opens a provisioned dashboard against a datasource the way Grafana does, without Grafana: resolves its template
 * variables (each variable's own query through the datasource's metricFindQuery), then sends every panel's targets
 * through DataSource.query, prepares the series as the panel receives them and checks their shape for the panel
 * type; the dashboard's annotation queries likewise. Runs in the browser harness (and anywhere @grafana/data runs); the HTTP goes through whatever BackendSrv is
 * installed (the data-proxy stand-in in grafanaProxy.ts).
 */
import type { DataFrame, DataQueryRequest, GrafanaTheme2, TimeRange } from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import type { DataSource } from '../datasource/datasource';
import type { AisecQuery, AisecVariableQuery } from '../datasource/types';
import { dashboardRange, defaultVariableValue, panelBox, panelRequest, type DashboardJson, type PanelJson } from './dashboardModel';
import { fixedTemplateSrv } from './grafanaProxy';
import { panelSeries } from './panelData';
import { checkAnnotationFrames, checkPanelShape } from './panelShapes';

export interface PanelRun {
  panel: PanelJson;
  request: DataQueryRequest<AisecQuery>;
  /** frames as DataSource.query answered them */
  frames: DataFrame[];
  /** after the panel's transformations and field config: what the visualization gets */
  series: DataFrame[];
  /** per-query errors of the answer */
  errors: string[];
  /** shape problems for the panel type (panelShapes.ts) */
  problems: string[];
}

export interface AnnotationRun {
  name: string;
  frames: DataFrame[];
  problems: string[];
}

export interface DashboardRun {
  dashboard: DashboardJson;
  /** the dashboard's annotation queries on the aisec datasource */
  annotations: AnnotationRun[];
  range: TimeRange;
  variables: Record<string, { value: string; options: string[] }>;
  replaceVariables: (text: string) => string;
  panels: PanelRun[];
  /** problems of the dashboard itself (variables) */
  problems: string[];
}

export interface RunOptions {
  now: number;
  /** width of the dashboard in pixels (panel widths, hence maxDataPoints and interval, follow from it) */
  width: number;
  theme: GrafanaTheme2;
  /** values chosen for variables, as `var-<name>=` in a dashboard URL would */
  variables?: Record<string, string>;
}

function isVariableQuery(query: unknown): query is AisecVariableQuery {
  return typeof query === 'object' && query !== null && typeof (query as { field?: unknown }).field === 'string';
}

export async function runDashboard(dashboard: DashboardJson, ds: DataSource, options: RunOptions): Promise<DashboardRun> {
  const range = dashboardRange(dashboard, options.now);
  const problems: string[] = [];
  const variables: DashboardRun['variables'] = {};
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query' || !isVariableQuery(variable.query)) {
      problems.push(`variable ${variable.name}: not a query variable of the aisec datasource`);
      continue;
    }
    setTemplateSrv(fixedTemplateSrv(Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, v.value]))) as unknown as TemplateSrv);
    const found = await ds.metricFindQuery(variable.query, { range });
    const choices = found.map((v) => String(v.text)).sort();
    if (choices.length === 0) problems.push(`variable ${variable.name}: its query lists no values`);
    const chosen = options.variables?.[variable.name];
    if (chosen !== undefined && !choices.includes(chosen)) problems.push(`variable ${variable.name}: ${chosen} is not among its values`);
    // a variable without a current value opens on its first option (sorted alphabetically, as sort: 1 says)
    const value = chosen ?? defaultVariableValue(variable) ?? choices[0] ?? '';
    variables[variable.name] = { value, options: choices };
  }
  const values = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, v.value]));
  const templateSrv = fixedTemplateSrv(values);
  setTemplateSrv(templateSrv as unknown as TemplateSrv);
  const replaceVariables = (text: string) => templateSrv.replace(text);

  const panels: PanelRun[] = [];
  for (const panel of dashboard.panels) {
    const request = panelRequest(dashboard, panel, range, panelBox(panel.gridPos, options.width).width);
    const response = await lastValueFrom(ds.query(request));
    const frames = (response.data ?? []) as DataFrame[];
    const errors = (response.errors ?? (response.error ? [response.error] : [])).map((e) => `${e.refId ?? '?'}: ${e.message ?? 'error'}`);
    const series = await panelSeries(panel, frames, options.theme, replaceVariables);
    const shape = checkPanelShape(panel, series, { theme: options.theme });
    panels.push({ panel, request, frames, series, errors, problems: [...errors, ...shape] });
  }
  // annotation queries go through DataSource.query too (the datasource uses Grafana's standard annotation support)
  const annotations: AnnotationRun[] = [];
  for (const annotation of dashboard.annotations?.list ?? []) {
    if (annotation.builtIn || annotation.enable === false || annotation.datasource?.uid !== ds.uid || !annotation.target) continue;
    const request = { ...panelRequest(dashboard, { id: 0, type: 'annotations', title: annotation.name, gridPos: { h: 1, w: 24, x: 0, y: 0 }, targets: [annotation.target] }, range, options.width), requestId: `${dashboard.uid}-annotations` };
    const response = await lastValueFrom(ds.query(request));
    const frames = (response.data ?? []) as DataFrame[];
    const errors = (response.errors ?? []).map((e) => `${e.refId ?? '?'}: ${e.message ?? 'error'}`);
    annotations.push({ name: annotation.name, frames, problems: [...errors, ...checkAnnotationFrames(frames)] });
  }
  return { dashboard, range, variables, replaceVariables, panels, annotations, problems };
}
