/** Panels and field settings that several dashboards use (event volume, judge scores, guardrail ratio and catches over time, alerts). */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as histogram from '@grafana/grafana-foundation-sdk/histogram';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { q, severityMappings, userLink, VARIABLE_FILTERS } from '../builders.js';
import { AISEC } from './dashboard-base.js';

export const legendRight = () => new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Right).calcs(['sum']);
export const colorFixed = (color: string): dashboard.DynamicConfigValue => ({ id: 'color', value: { mode: 'fixed', fixedColor: color } });

/** A single fixed colour for every value of the panel. */
export const fixedColorScheme = (color: string) => new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Fixed).fixedColor(color);

/** Grafana's table gives each column at least 150 px unless told otherwise: 9–12 columns would scroll sideways. */
export const TABLE_MIN_COLUMN_WIDTH = 60;
/** Guardrail share per bucket needs events in the bucket: a day, not Grafana's automatic minutes. */
const GUARDRAIL_MIN_INTERVAL = '1d';
/** Display names of the guardrail fields (overrides); stat and bar gauge pick their fields by these names. */
export const GUARDRAIL_NAMES = { guardrail_pct: 'Caught by guardrail', judge_pct: 'Caught by judge after pass', guardrail_caught: 'Guardrail blocks', judge_caught_after_pass: 'Judge flags after guardrail pass' };
export const byDisplayName = (...names: string[]) => `/^(${names.join('|')})$/`;

/**
 * The guardrail share (a percentage per bucket) on its own right axis, named by the axis label and left out of the
 * legend: the legend's Total sums every series, and a sum of percentages (2800 %) means nothing.
 */
const guardrailShareOnRightAxis = (color: string): dashboard.DynamicConfigValue[] => [
  { id: 'custom.axisPlacement', value: 'right' },
  { id: 'custom.axisLabel', value: 'Guardrail effectiveness (%)' },
  { id: 'custom.hideFrom', value: { legend: true, tooltip: false, viz: false } },
  { id: 'unit', value: 'percent' },
  { id: 'min', value: 0 },
  { id: 'max', value: 100 },
  colorFixed(color),
];

export function eventVolume(title: string, extra: Partial<Parameters<typeof q>[0]> = {}): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description('Seed 001 panel 1: `timechart span=1h count by category`. Bucket width follows the dashboard interval and the panel width.')
    .datasource(AISEC)
    .withTarget(q({ kind: 'event_volume', groupBy: 'category', ...VARIABLE_FILTERS, ...extra } as Parameters<typeof q>[0]))
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
    .legend(legendRight())
    .unit('short');
}

export function guardrailRatio(): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Guardrail effectiveness ratio')
    .description('Seed 001 panel 3: share of threats the guardrails caught vs what the judge caught after a guardrail pass (a guardrail gap).')
    .datasource(AISEC)
    .withTarget(q({ kind: 'guardrail_effectiveness', format: 'total', ...VARIABLE_FILTERS }))
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields(byDisplayName(GUARDRAIL_NAMES.guardrail_pct, GUARDRAIL_NAMES.judge_pct)).values(false))
    .unit('percent')
    .min(0)
    .max(100)
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.None)
    .overrideByName('guardrail_pct', [{ id: 'displayName', value: GUARDRAIL_NAMES.guardrail_pct }, colorFixed('green')])
    .overrideByName('judge_pct', [{ id: 'displayName', value: GUARDRAIL_NAMES.judge_pct }, colorFixed('orange')]);
}

export function judgeScoreDistribution(byModel = false): histogram.PanelBuilder {
  return new histogram.PanelBuilder()
    .title(byModel ? 'Judge score distribution by judge model' : 'Judge score distribution')
    .description('Seed 001 panel 5: judge_flag scores in 0.1 buckets (pre-binned xMin/xMax/count).')
    .datasource(AISEC)
    .withTarget(q({ kind: 'judge_score_distribution', bucketSize: 0.1, byJudgeModel: byModel, ...VARIABLE_FILTERS }))
    .fillOpacity(70)
    .legend(new common.VizLegendOptionsBuilder().showLegend(byModel).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom));
}

/** Alerts, newest first; `hidden` names columns that are always empty for the rules shown (judge drift has no user). */
export function alertsTable(title: string, filters: Record<string, unknown>, hidden: string[] = []): table.PanelBuilder {
  const panel = new table.PanelBuilder()
    .title(title)
    .datasource(AISEC)
    .withTarget(q({ kind: 'alerts', limit: 200, ...filters } as Parameters<typeof q>[0]))
    .minWidth(TABLE_MIN_COLUMN_WIDTH)
    .withOverride(userLink('user_id'))
    .overrideByName('severity', [{ id: 'mappings', value: severityMappings() }, { id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } }, { id: 'custom.width', value: 90 }])
    .overrideByName('Time', [{ id: 'custom.width', value: 170 }])
    .overrideByName('entity', [{ id: 'custom.minWidth', value: 240 }]);
  for (const name of ['id', ...hidden]) panel.overrideByName(name, [{ id: 'custom.hidden', value: true }]);
  return panel;
}

/**
 * Guardrail and judge catches per day, the guardrail share on its own right axis. `bars`: the catches as bars of one
 * day stacked, not drawn over each other, and the share a plain line over them.
 */
export function guardrailCatchesOverTime(title: string, style: { bars?: boolean } = {}): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(title)
    .datasource(AISEC)
    .withTarget(q({ kind: 'guardrail_effectiveness', format: 'timeseries', ...VARIABLE_FILTERS }))
    .interval(GUARDRAIL_MIN_INTERVAL);
  if (style.bars) panel.drawStyle(common.GraphDrawStyle.Bars).fillOpacity(70).stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  const shareAsLine: dashboard.DynamicConfigValue[] = style.bars
    ? [
        { id: 'custom.drawStyle', value: 'line' },
        { id: 'custom.fillOpacity', value: 0 },
        { id: 'custom.lineWidth', value: 2 },
        { id: 'custom.stacking', value: { mode: 'none', group: 'A' } },
      ]
    : [];
  return panel
    .min(0)
    .legend(legendRight())
    .overrideByName('guardrail_pct', [...shareAsLine, ...guardrailShareOnRightAxis('blue')])
    .overrideByName('guardrail_caught', [colorFixed('green')])
    .overrideByName('judge_caught_after_pass', [colorFixed('orange')]);
}
