/**
 * Screenshot harness: the plugin's datasource queries the real service (through the harness server, which plays
 * Grafana's data proxy) and its panel renders the frames, inside Grafana UI's PanelChrome, in the theme from `?theme=`.
 */
import React from 'react';
import { applyFieldOverrides, dateTime, type DataFrame, type GrafanaTheme2 } from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { PanelChrome, Table } from '@grafana/ui';
import { lastValueFrom } from 'rxjs';
import type { AisecQuery } from '../src/datasource/types';
import { RiskMatrixPanel } from '../src/panel/components/RiskMatrixPanel';
import type { MatrixOptions } from '../src/panel/types';
import { fixedTemplateSrv } from '../src/testing/grafanaProxy';
import type { PanelHarnessReport } from '../src/testing/harnessReport';
import { matrixPanelProps, withUrlTimeRange } from '../src/testing/panelProps';
import { queryRequest } from '../src/testing/queryRequest';
import { harnessDataSource, pageSettled, params, renderPage, runHarness, themeFromUrl } from './page';

const theme = themeFromUrl('light');
const from = dateTime(Number(params.get('from')));
const to = dateTime(Number(params.get('to')));
const range = { from, to, raw: { from, to } };

const state: PanelHarnessReport = { done: false, frames: {} };

function panelProps(series: DataFrame[], options: Partial<MatrixOptions>, width: number, height: number) {
  return matrixPanelProps({ series, options, timeRange: range, width, height, replaceVariables: withUrlTimeRange((s) => s, range) });
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
  const ds = harnessDataSource();

  const query = async (name: string, targets: AisecQuery[]) => {
    const response = await lastValueFrom(ds.query(queryRequest(targets, range, { requestId: name })));
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
  renderPage(theme, <Dashboard frames={frames} />);
  await pageSettled();
}

runHarness('__harness', state, main);
