/**
 * Dashboard harness: opens one provisioned dashboard (dashboards/json/<file>, served by the harness server) the way
 * Grafana would — variables resolved by their own queries, every panel's targets through the plugin's DataSource and
 * the data-proxy stand-in to the real service — checks each panel's data shape (src/testing/panelShapes.ts) and
 * draws the dashboard on Grafana's grid inside @grafana/ui's PanelChrome.
 * URL: dashboard.html?file=soc-overview.json&now=<epoch ms>&theme=dark&var-user=<id>
 */
import React from 'react';
import type { DataFrame } from '@grafana/data';
import { GlobalStyles, PanelChrome } from '@grafana/ui';
import { GRID, panelBox, type DashboardJson } from '../src/testing/dashboardModel';
import { runDashboard, type DashboardRun } from '../src/testing/dashboardRun';
import type { DashboardReport, FrameSummary } from '../src/testing/harnessReport';
import { harnessDataSource, pageSettled, params, renderPage, runHarness, themeFromUrl } from './page';
import { displayValues, PANEL_VIEWS } from './panelViews';

const theme = themeFromUrl('dark');
const WIDTH = Number(params.get('width') ?? 1600);
const PAD = 16;

const state: DashboardReport = { done: false, problems: [], panels: [], annotations: [] };

const summarize = (frames: DataFrame[]): FrameSummary[] =>
  frames.map((f) => ({
    name: f.name,
    refId: f.refId,
    length: f.length,
    fields: f.fields.map((x) => ({ name: x.name, type: x.type, labels: x.labels, numbers: x.values.filter((v) => typeof v === 'number' && Number.isFinite(v)).length })),
  }));

function Dashboard({ run }: { run: DashboardRun }) {
  const bottom = Math.max(...run.dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
  const height = bottom * (GRID.cellHeight + GRID.margin);
  const vars = Object.entries(run.variables).map(([name, v]) => `${name} = ${v.value === '__all__' ? 'All' : v.value}`).join('   ·   ');
  return (
    <div style={{ background: theme.colors.background.canvas, color: theme.colors.text.primary, fontFamily: theme.typography.fontFamily, fontSize: theme.typography.fontSize, padding: PAD, width: WIDTH + 2 * PAD }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'baseline', marginBottom: 12 }}>
        <h1 style={{ fontSize: 20, margin: 0 }}>{run.dashboard.title}</h1>
        <div style={{ color: theme.colors.text.secondary }}>
          {new Date(run.range.from.valueOf()).toISOString().slice(0, 16)}Z → {new Date(run.range.to.valueOf()).toISOString().slice(0, 16)}Z ({run.dashboard.time.from} → {run.dashboard.time.to})
        </div>
      </div>
      <div style={{ color: theme.colors.text.secondary, marginBottom: 12 }}>{vars}</div>
      <div style={{ position: 'relative', width: WIDTH, height }}>
        {run.panels.map(({ panel, series }) => {
          const box = panelBox(panel.gridPos, WIDTH);
          const view = PANEL_VIEWS[panel.type];
          return (
            <div key={panel.id} data-testid="dashboard-panel" data-panel-id={panel.id} style={{ position: 'absolute', ...box }}>
              <PanelChrome
                title={run.replaceVariables(panel.title)}
                description={panel.description}
                width={box.width}
                height={box.height}
                titleItems={<span style={{ color: theme.colors.text.disabled, fontSize: 11, marginLeft: 8 }}>{view?.drawnBy ?? `no view for ${panel.type}`}</span>}
              >
                {(w, h) => view?.render({ panel, series, width: w, height: h, theme, timeRange: run.range, replaceVariables: run.replaceVariables })}
              </PanelChrome>
            </div>
          );
        })}
      </div>
    </div>
  );
}

async function main() {
  const file = params.get('file');
  if (!file) throw new Error('no ?file= given');
  const dashboard = (await (await fetch(`/dashboards/${file}`)).json()) as DashboardJson;
  const ds = harnessDataSource();
  const variables = Object.fromEntries([...params.entries()].filter(([k]) => k.startsWith('var-')).map(([k, v]) => [k.slice(4), v]));
  const run = await runDashboard(dashboard, ds, { now: Number(params.get('now')), width: WIDTH, theme, variables });
  state.uid = dashboard.uid;
  state.variables = Object.fromEntries(Object.entries(run.variables).map(([k, v]) => [k, v.value]));
  state.problems = run.problems;
  state.panels = run.panels.map(({ panel, request, frames, series, problems }) => ({
    id: panel.id,
    type: panel.type,
    title: panel.title,
    drawnBy: PANEL_VIEWS[panel.type]?.drawnBy ?? '',
    maxDataPoints: request.maxDataPoints,
    intervalMs: request.intervalMs,
    frames: summarize(frames),
    shown: ['stat', 'bargauge'].includes(panel.type) ? displayValues({ panel, series, theme, replaceVariables: run.replaceVariables }).map((v) => `${v.display.title ?? ''}=${v.display.text}`) : undefined,
    problems,
  }));
  state.annotations = run.annotations.map((a) => ({ name: a.name, frames: summarize(a.frames), problems: a.problems }));
  renderPage(
    theme,
    <>
      {/* Grafana's page CSS (box sizing, fonts, scrollbars), which its panels are laid out against */}
      <GlobalStyles />
      <Dashboard run={run} />
    </>,
  );
  await pageSettled();
}

runHarness('__dashboard', state, main);
