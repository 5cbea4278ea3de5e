/**
 * Screenshot harness: the plugin's datasource queries the real service (through the harness server, which plays
 * Grafana's data proxy) and its panel renders the frames, inside Grafana UI's PanelChrome, in the theme from `?theme=`.
 */
import React from 'react';
import { createRoot } from 'react-dom/client';
import {
  CoreApp,
  LoadingState,
  applyFieldOverrides,
  createTheme,
  dateTime,
  type DataFrame,
  type DataQueryRequest,
  type DataSourceInstanceSettings,
  type GrafanaTheme2,
  type PanelProps,
} from '@grafana/data';
import { setBackendSrv, setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { PanelChrome, Table, ThemeContext } from '@grafana/ui';
import { lastValueFrom } from 'rxjs';
import { DataSource } from '../src/datasource/datasource';
import type { AisecDataSourceOptions, AisecQuery } from '../src/datasource/types';
import { RiskMatrixPanel } from '../src/panel/components/RiskMatrixPanel';
import { DEFAULT_OPTIONS, type MatrixOptions } from '../src/panel/types';
import { fixedTemplateSrv, proxyBackendSrv, type Transport } from '../src/testing/grafanaProxy';

const params = new URLSearchParams(location.search);
const theme = createTheme({ colors: { mode: params.get('theme') === 'dark' ? 'dark' : 'light' } });
const from = dateTime(Number(params.get('from')));
const to = dateTime(Number(params.get('to')));
const PROXY_BASE = '/api/datasources/proxy/uid/aisec';

const browserTransport: Transport = async (method, url, headers, body) => {
  const response = await fetch(url, { method, headers, body });
  return { status: response.status, statusText: response.statusText, body: await response.text() };
};

interface HarnessState {
  done: boolean;
  error?: string;
  frames: Record<string, Array<{ name?: string; fields: string[]; length: number }>>;
  test?: { status: string; message: string };
}
const state: HarnessState = { done: false, frames: {} };
(window as unknown as { __harness: HarnessState }).__harness = state;

function panelProps(series: DataFrame[], options: Partial<MatrixOptions>, width: number, height: number): PanelProps<MatrixOptions> {
  const timeRange = { from, to, raw: { from, to } };
  return {
    id: 1,
    data: { series, state: LoadingState.Done, timeRange },
    timeRange,
    timeZone: 'utc',
    options: { ...DEFAULT_OPTIONS, ...options },
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width,
    height,
    title: '',
    renderCounter: 1,
    replaceVariables: (s: string) => s.replace('${__url_time_range}', `from=${from.valueOf()}&to=${to.valueOf()}`),
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    onChangeTimeRange: () => undefined,
  } as unknown as PanelProps<MatrixOptions>;
}

/** A table of some of a frame's fields, with Grafana's display processors applied as a dashboard would. */
function tableFrame(frame: DataFrame, fields: Record<string, number>, t: GrafanaTheme2): DataFrame {
  const picked = { ...frame, fields: Object.keys(fields).map((name) => frame.fields.find((f) => f.name === name)!).filter(Boolean) };
  const [table] = applyFieldOverrides({ data: [picked], fieldConfig: { defaults: {}, overrides: [] }, replaceVariables: (s) => s, theme: t, timeZone: 'utc' });
  // fixed widths except the last column, which takes the rest
  for (const f of table!.fields.slice(0, -1)) f.config.custom = { ...f.config.custom, width: fields[f.name] };
  // without Grafana's page CSS the table's scrollbar gutter overlaps right-aligned numbers: centre them
  for (const f of table!.fields) if (f.type === 'number') f.config.custom = { ...f.config.custom, align: 'center' };
  return table!;
}

function Dashboard({ frames }: { frames: Record<string, DataFrame[]> }) {
  const hours = frames.hours!.filter((f) => f.name === 'hour_of_week');
  const top = frames.top![0];
  const alerts = frames.alerts![0];
  const page: React.CSSProperties = { background: theme.colors.background.canvas, color: theme.colors.text.primary, fontFamily: theme.typography.fontFamily, fontSize: theme.typography.fontSize, padding: 16, display: 'grid', gridTemplateColumns: '760px 480px', gap: 12, width: 1268, boxSizing: 'border-box' };
  return (
    <div style={page}>
      <div id="risk-matrix">
        <PanelChrome title="Risk tier × category (aisec-riskmatrix-panel)" width={760} height={360}>
          {(w, h) => <RiskMatrixPanel {...panelProps(frames.matrix!, {}, w, h)} />}
        </PanelChrome>
      </div>
      <div id="top-users">
        <PanelChrome title="Top users by alert count" width={480} height={360}>
          {(w, h) => (top ? <Table data={tableFrame(top, { user_id: 130, alerts: 80, critical: 80, high: 80 }, theme)} width={w - 16} height={h} /> : null)}
        </PanelChrome>
      </div>
      <div id="hour-of-week" style={{ gridColumn: '1 / span 2' }}>
        <PanelChrome title="UEBA: mallory, events by hour of week (UTC)" width={1252} height={300}>
          {(w, h) => (
            <RiskMatrixPanel {...panelProps(hours, { rowField: 'day', columnField: 'hour', valueField: 'events', columnPrefix: '', colorMode: 'gradient', rowOrder: 'data', drilldownUrl: '' }, w, h)} />
          )}
        </PanelChrome>
      </div>
      <div id="alerts">
        <PanelChrome title="Alerts" width={760} height={300}>
          {(w, h) => (alerts ? <Table data={tableFrame(alerts, { Time: 175, severity: 90, rule_id: 230, user_id: 110, status: 80 }, theme)} width={w - 16} height={h} /> : null)}
        </PanelChrome>
      </div>
      <div id="empty">
        <PanelChrome title="Risk matrix, no data in range" width={480} height={300}>
          {(w, h) => <RiskMatrixPanel {...panelProps([], {}, w, h)} />}
        </PanelChrome>
      </div>
    </div>
  );
}

async function main() {
  setTemplateSrv(fixedTemplateSrv({ user: 'mallory' }) as unknown as TemplateSrv);
  setBackendSrv(proxyBackendSrv({ proxyBase: PROXY_BASE, serviceUrl: `${location.origin}${PROXY_BASE}/aisec`, transport: browserTransport }));
  const ds = new DataSource({
    id: 1,
    uid: 'aisec',
    type: 'aisec-ueba-datasource',
    name: 'AI Security',
    url: PROXY_BASE,
    access: 'proxy',
    jsonData: { url: 'http://analytics-service:8080' },
    meta: {} as DataSourceInstanceSettings['meta'],
    readOnly: false,
  } as DataSourceInstanceSettings<AisecDataSourceOptions>);

  const query = async (name: string, targets: AisecQuery[]) => {
    const request: DataQueryRequest<AisecQuery> = {
      requestId: name,
      interval: '1h',
      intervalMs: 3_600_000,
      maxDataPoints: 1000,
      range: { from, to, raw: { from, to } },
      scopedVars: {},
      targets,
      timezone: 'utc',
      app: CoreApp.Dashboard,
      startTime: Date.now(),
    };
    const response = await lastValueFrom(ds.query(request));
    if (response.errors?.length) throw new Error(`${name}: ${response.errors.map((e) => e.message).join('; ')}`);
    const frames = response.data as DataFrame[];
    state.frames[name] = frames.map((f) => ({ name: f.name, fields: f.fields.map((x) => x.name), length: f.length }));
    return frames;
  };

  const frames = {
    matrix: await query('matrix', [{ refId: 'A', kind: 'risk_matrix' }]),
    hours: await query('hours', [{ refId: 'A', kind: 'entity_baseline', entityKind: 'user', entityId: '$user' }]),
    top: await query('top', [{ refId: 'A', kind: 'top_users', source: 'alerts', limit: 10 }]),
    alerts: await query('alerts', [{ refId: 'A', kind: 'alerts', limit: 20 }]),
  };
  state.test = (await ds.testDatasource()) as { status: string; message: string };
  document.body.style.margin = '0';
  document.body.style.background = theme.colors.background.canvas;
  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <Dashboard frames={frames} />
    </ThemeContext.Provider>,
  );
  // let React commit and fonts settle before the test reads the page
  await new Promise((r) => setTimeout(r, 800));
  state.done = true;
}

main().catch((error: Error) => {
  state.error = error.stack ?? error.message;
  state.done = true;
});
