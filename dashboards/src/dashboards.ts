/**
 * The provisioned dashboards, built with the Grafana Foundation SDK's typed builders:
 * SOC overview (seed 001 panels 1–5 plus open alerts by severity), UEBA entity drill-down, judge assurance and
 * guardrail effectiveness. Every query is a kind of the aisec datasource.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as histogram from '@grafana/grafana-foundation-sdk/histogram';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { alertAnnotations, builtInAnnotations, matrixPanel, q, SEVERITY_COLOR, severityMappings, userLink, valuesVariable, VARIABLE_FILTERS } from './builders.js';
import { DASHBOARD, DATASOURCE } from './constants.js';

const AISEC = { ...DATASOURCE.aisec };
const TAGS = ['aisec', 'ai-security'];

function base(uid: string, title: string, description: string, tags: string[]): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([...TAGS, ...tags])
    // provisioned with allowUiUpdates: false, so a save from the UI would fail: offer no editing
    .readonly()
    .timezone('browser')
    .time({ from: 'now-7d', to: 'now' })
    .refresh('1m')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .annotation(builtInAnnotations())
    .link(new dashboard.DashboardLinkBuilder('AI Security').type(dashboard.DashboardLinkType.Dashboards).tags(['aisec']).asDropdown(true).includeVars(true).keepTime(true));
}

const legendRight = () => new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Right).calcs(['sum']);
const colorFixed = (color: string): dashboard.DynamicConfigValue => ({ id: 'color', value: { mode: 'fixed', fixedColor: color } });

/** Grafana's table gives each column at least 150 px unless told otherwise: 9–12 columns would scroll sideways. */
const TABLE_MIN_COLUMN_WIDTH = 60;
/** Guardrail share per bucket needs events in the bucket: a day, not Grafana's automatic minutes. */
const GUARDRAIL_MIN_INTERVAL = '1d';
const PAGED_SEVERITIES = ['critical', 'high', 'medium'] as const;
/** Display names of the guardrail fields (overrides); stat and bar gauge pick their fields by these names. */
const GUARDRAIL_NAMES = { guardrail_pct: 'Caught by guardrail', judge_pct: 'Caught by judge after pass', guardrail_caught: 'Guardrail blocks', judge_caught_after_pass: 'Judge flags after guardrail pass' };
const byDisplayName = (...names: string[]) => `/^(${names.join('|')})$/`;

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

/** Open alerts per severity, one stat per rung of the ladder, coloured by it. */
function openAlertsBySeverity(): stat.PanelBuilder {
  const panel = new stat.PanelBuilder()
    .title('Open alerts by severity')
    .description('Alerts of the detection engine not yet closed, on the SOC ladder of seed 004: critical → incident (immediate), high → alert (1 h), medium → warning (4 h).')
    .datasource(AISEC)
    // the numeric field of each query's frame (`alerts`; the overrides below name every field of the frame, so a name
    // pattern would also pick the severity column); a row per rung of the ladder (zeros kept), so the count is the sum
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['sum']).fields('').values(false))
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.ValueAndName)
    .height(5)
    .span(8);
  for (const severity of PAGED_SEVERITIES) {
    panel.withTarget(q({ kind: 'alert_summary', groupBy: 'severity', status: 'open', severity: [severity], ...VARIABLE_FILTERS }, severity));
    panel.overrideByQuery(severity, [{ id: 'displayName', value: severity[0]!.toUpperCase() + severity.slice(1) }, colorFixed(SEVERITY_COLOR[severity])]);
  }
  return panel;
}

function eventVolume(title: string, extra: Partial<Parameters<typeof q>[0]> = {}): timeseries.PanelBuilder {
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

function topUsers(): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Top users by alert count')
    .description('Seed 001 panel 2. Click a user for the UEBA drill-down.')
    .datasource(AISEC)
    .withTarget(q({ kind: 'top_users', source: 'alerts', limit: 10, model: ['$model'], endpoint: ['$endpoint'] }))
    .minWidth(TABLE_MIN_COLUMN_WIDTH)
    .withOverride(userLink('user_id'))
    .overrideByName('user_id', [{ id: 'custom.minWidth', value: 150 }])
    .overrideByName('critical', [colorFixed(SEVERITY_COLOR.critical), { id: 'custom.cellOptions', value: { type: 'color-text' } }])
    .overrideByName('high', [colorFixed(SEVERITY_COLOR.high), { id: 'custom.cellOptions', value: { type: 'color-text' } }])
    .overrideByName('max_risk', [{ id: 'custom.cellOptions', value: { type: 'gauge', mode: 'basic' } }, { id: 'max', value: 100 }]);
}

function guardrailRatio(): stat.PanelBuilder {
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

function riskMatrix(): dashboard.PanelBuilder {
  return matrixPanel('Risk tier × category', { colorMode: 'severity', rowOrder: 'total', columnPrefix: 'Tier ', showLegend: true, drilldownUrl: `/d/${DASHBOARD.ueba.uid}/${DASHBOARD.ueba.slug}?var-user=\${value}&\${__url_time_range}` })
    .description('Seed 001 panel 4: events by risk tier and category, each cell coloured by its highest severity; click a cell for its top user’s UEBA drill-down.')
    .withTarget(q({ kind: 'risk_matrix', ...VARIABLE_FILTERS }));
}

function judgeScoreDistribution(byModel = false): histogram.PanelBuilder {
  return new histogram.PanelBuilder()
    .title(byModel ? 'Judge score distribution by judge model' : 'Judge score distribution')
    .description('Seed 001 panel 5: judge_flag scores in 0.1 buckets (pre-binned xMin/xMax/count).')
    .datasource(AISEC)
    .withTarget(q({ kind: 'judge_score_distribution', bucketSize: 0.1, byJudgeModel: byModel, ...VARIABLE_FILTERS }))
    .fillOpacity(70)
    .legend(new common.VizLegendOptionsBuilder().showLegend(byModel).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom));
}

/** Alerts, newest first; `hidden` names columns that are always empty for the rules shown (judge drift has no user). */
function alertsTable(title: string, filters: Record<string, unknown>, hidden: string[] = []): table.PanelBuilder {
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

export function socOverview(): dashboard.Dashboard {
  return base(DASHBOARD.soc.uid, 'AI Security — SOC overview', 'Seed 001 dashboard panels for the SOC: event volume, top users, guardrail effectiveness, risk tiers, judge scores, and open alerts.', ['soc'])
    .withVariable(valuesVariable('user', 'User', 'user_id'))
    .withVariable(valuesVariable('model', 'Model', 'model'))
    .withVariable(valuesVariable('endpoint', 'Endpoint', 'endpoint'))
    .annotation(alertAnnotations())
    .withPanel(openAlertsBySeverity())
    .withPanel(guardrailRatio().height(5).span(8))
    .withPanel(
      new stat.PanelBuilder()
        .title('Open critical alerts by rule')
        .datasource(AISEC)
        .withTarget(q({ kind: 'alert_summary', groupBy: 'rule_id', status: 'open', severity: ['critical'], ...VARIABLE_FILTERS }))
        .reduceOptions(new common.ReduceDataOptionsBuilder().values(true).calcs([]).fields('/^alerts$/'))
        .colorMode(common.BigValueColorMode.Value)
        .graphMode(common.BigValueGraphMode.None)
        .textMode(common.BigValueTextMode.ValueAndName)
        .noValue('none')
        .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Fixed).fixedColor(SEVERITY_COLOR.critical))
        .height(5)
        .span(8),
    )
    .withPanel(eventVolume('AI security event volume by category').height(9).span(24))
    .withPanel(riskMatrix().height(10).span(14))
    .withPanel(topUsers().height(10).span(10))
    .withPanel(judgeScoreDistribution().height(8).span(12))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Guardrail effectiveness over time')
        .datasource(AISEC)
        .withTarget(q({ kind: 'guardrail_effectiveness', format: 'timeseries', ...VARIABLE_FILTERS }))
        .interval(GUARDRAIL_MIN_INTERVAL)
        .min(0)
        .legend(legendRight())
        .overrideByName('guardrail_pct', guardrailShareOnRightAxis('blue'))
        .overrideByName('guardrail_caught', [colorFixed('green')])
        .overrideByName('judge_caught_after_pass', [colorFixed('orange')])
        .height(8)
        .span(12),
    )
    .withPanel(alertsTable('Open alerts', { status: 'open', ...VARIABLE_FILTERS }).height(10).span(24))
    .build();
}

export function uebaDrillDown(): dashboard.Dashboard {
  const entity = { kind: 'entity_baseline' as const, entityKind: 'user' as const, entityId: '$user' };
  const summaryStat = (title: string, field: string, unit = 'short') =>
    new stat.PanelBuilder()
      .title(title)
      .datasource(AISEC)
      .withTarget(q({ ...entity, section: 'summary' }))
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields(`/^${field}$/`).values(false))
      .unit(unit)
      .graphMode(common.BigValueGraphMode.None)
      .height(4)
      .span(6);
  return base(DASHBOARD.ueba.uid, 'AI Security — UEBA entity drill-down', 'One user: UEBA baseline and risk, behaviour over the range, hour-of-week activity against the baseline, alerts and events.', ['ueba'])
    .withVariable(valuesVariable('user', 'User', 'user_id', { multi: false }))
    .annotation(alertAnnotations())
    .withPanel(
      summaryStat('Risk score', 'risk_score')
        .min(0)
        .max(100)
        .colorMode(common.BigValueColorMode.Background)
        .thresholds(
          new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
            { value: null, color: 'green' },
            { value: 40, color: 'yellow' },
            { value: 60, color: 'orange' },
            { value: 80, color: 'red' },
          ]),
        ),
    )
    // plain counts: a fixed colour, or Grafana's default thresholds would paint any count above 80 red
    .withPanel(summaryStat('Events in range', 'events').colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Fixed).fixedColor('text')))
    .withPanel(summaryStat('Security events in range', 'security_events').colorMode(common.BigValueColorMode.Value).colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Fixed).fixedColor('orange')))
    .withPanel(summaryStat('Cost in range', 'cost_usd', 'currencyUSD').colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Fixed).fixedColor('text')))
    .withPanel(
      matrixPanel('Activity by hour of week (events)', { rowField: 'day', columnField: 'hour', valueField: 'events', colorMode: 'gradient', rowOrder: 'data', columnPrefix: '', showLegend: true, drilldownUrl: '' })
        .description('Events per hour-of-week slot over the range, in the baseline’s time zone (UTC without a baseline).')
        .withTarget(q({ ...entity, section: 'hour_of_week' }))
        .height(9)
        .span(12),
    )
    .withPanel(
      matrixPanel('Baseline: expected requests by hour of week', { rowField: 'day', columnField: 'hour', valueField: 'expected', colorMode: 'gradient', rowOrder: 'data', columnPrefix: '', showLegend: true, drilldownUrl: '', emptyMessage: 'No UEBA baseline for this user yet.' })
        .description('The UEBA baseline’s seasonal expectation (median requests per occurrence of each slot).')
        .withTarget(q({ ...entity, section: 'hour_of_week' }))
        .height(9)
        .span(12),
    )
    .withPanel(eventVolume('Events of $user by category', { user_id: ['$user'], model: undefined, endpoint: undefined }).height(8).span(16))
    .withPanel(
      new table.PanelBuilder()
        .title('Baseline features')
        .description('Every numeric feature of the stored UEBA baseline (distributions such as tokens_out.p95, counts, distinct values).')
        .datasource(AISEC)
        .withTarget(q({ ...entity, section: 'profile' }))
        .height(8)
        .span(8),
    )
    .withPanel(alertsTable('Alerts of $user', { user_id: ['$user'], status: 'all' }).height(8).span(24))
    .build();
}

export function judgeAssurance(): dashboard.Dashboard {
  return base(DASHBOARD.judge.uid, 'AI Security — Judge assurance', 'Seed 001 §6: judge drift (daily mean score vs the 7 days before; days flagged as the judge_drift rule flags them: a mean shift over 0.15 or a distribution shift, each significant at its sample size) and score distributions.', ['judge'])
    .withVariable(valuesVariable('judge_model', 'Judge model', 'judge_model'))
    .withVariable(valuesVariable('user', 'User', 'user_id'))
    .withVariable(valuesVariable('model', 'Model', 'model'))
    .withVariable(valuesVariable('endpoint', 'Endpoint', 'endpoint'))
    .time({ from: 'now-30d', to: 'now' })
    .annotation(alertAnnotations())
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Judge drift: daily mean score vs trailing mean')
        .description('Solid: daily mean judge score per judge model; dashed: its trailing mean. Drift above the threshold is flagged (see the table).')
        .datasource(AISEC)
        .withTarget(q({ kind: 'judge_drift', judge_model: ['$judge_model'], ...VARIABLE_FILTERS }))
        .min(0)
        .max(1)
        .showPoints(common.VisibilityMode.Always)
        .pointSize(6)
        .legend(legendRight().calcs(['mean', 'max']))
        // by field name: a pattern would match display names, which the service sets per judge model ("gpt-4o daily mean")
        .transformations([{ id: 'filterFieldsByName', options: { include: { names: ['Time', 'mean_score', 'trailing_mean'] } } }])
        .overrideByName('trailing_mean', [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }, { id: 'custom.showPoints', value: 'never' }])
        .height(10)
        .span(16),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Drift (|daily − trailing|)')
        .datasource(AISEC)
        .withTarget(q({ kind: 'judge_drift', judge_model: ['$judge_model'], ...VARIABLE_FILTERS }))
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['max']).fields('/drift$/').values(false)) // display names, one per judge model: "<judge model> drift"
        .decimals(2)
        .thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([{ value: null, color: 'green' }, { value: 0.15, color: 'yellow' }]))
        .colorMode(common.BigValueColorMode.Background)
        .height(10)
        .span(8),
    )
    .withPanel(judgeScoreDistribution(true).height(9).span(12))
    .withPanel(eventVolume('Judge flags by severity', { groupBy: 'severity', category: ['judge_flag'] }).height(9).span(12))
    .withPanel(alertsTable('Judge drift alerts', { rule_id: ['judge_drift'], status: 'all' }, ['user_id', 'endpoint', 'model', 'risk_score']).height(8).span(24))
    .build();
}

export function guardrailEffectiveness(): dashboard.Dashboard {
  return base(DASHBOARD.guardrails.uid, 'AI Security — Guardrail effectiveness', 'Seed 001 panel 3 in depth: what guardrails catch vs what the judge catches after a guardrail pass (guardrail gaps), overall, over time and per policy.', ['guardrails'])
    .withVariable(valuesVariable('user', 'User', 'user_id'))
    .withVariable(valuesVariable('model', 'Model', 'model'))
    .withVariable(valuesVariable('endpoint', 'Endpoint', 'endpoint'))
    .annotation(alertAnnotations())
    .withPanel(guardrailRatio().height(6).span(8))
    .withPanel(
      new bargauge.PanelBuilder()
        .title('Caught, in range')
        .datasource(AISEC)
        .withTarget(q({ kind: 'guardrail_effectiveness', format: 'total', ...VARIABLE_FILTERS }))
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields(byDisplayName(GUARDRAIL_NAMES.guardrail_caught, GUARDRAIL_NAMES.judge_caught_after_pass)).values(false))
        .orientation(common.VizOrientation.Horizontal)
        .displayMode(common.BarGaugeDisplayMode.Basic)
        .namePlacement(common.BarGaugeNamePlacement.Top)
        .overrideByName('guardrail_caught', [{ id: 'displayName', value: GUARDRAIL_NAMES.guardrail_caught }, colorFixed('green')])
        .overrideByName('judge_caught_after_pass', [{ id: 'displayName', value: GUARDRAIL_NAMES.judge_caught_after_pass }, colorFixed('orange')])
        .height(6)
        .span(16),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Guardrail vs judge catches over time')
        .datasource(AISEC)
        .withTarget(q({ kind: 'guardrail_effectiveness', format: 'timeseries', ...VARIABLE_FILTERS }))
        .interval(GUARDRAIL_MIN_INTERVAL)
        .drawStyle(common.GraphDrawStyle.Bars)
        .fillOpacity(70)
        // bars of one day stacked, not drawn over each other; the share is a plain line on its own axis
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
        .min(0)
        .legend(legendRight())
        .overrideByName('guardrail_pct', [
          { id: 'custom.drawStyle', value: 'line' },
          { id: 'custom.fillOpacity', value: 0 },
          { id: 'custom.lineWidth', value: 2 },
          { id: 'custom.stacking', value: { mode: 'none', group: 'A' } },
          ...guardrailShareOnRightAxis('blue'),
        ])
        .overrideByName('guardrail_caught', [colorFixed('green')])
        .overrideByName('judge_caught_after_pass', [colorFixed('orange')])
        .height(9)
        .span(24),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Per policy')
        .description('Where the judge catches what guardrails let through, per violated policy: the guardrail rules to update first.')
        .datasource(AISEC)
        .withTarget(q({ kind: 'guardrail_effectiveness', format: 'total', byPolicy: true, ...VARIABLE_FILTERS }))
        .sortBy([new common.TableSortByFieldStateBuilder().displayName('judge_caught_after_pass').desc(true)])
        .overrideByName('guardrail_pct', [{ id: 'custom.cellOptions', value: { type: 'gauge', mode: 'basic' } }, { id: 'unit', value: 'percent' }, { id: 'max', value: 100 }, colorFixed('green')])
        .overrideByName('judge_pct', [{ id: 'custom.hidden', value: true }])
        .height(9)
        .span(12),
    )
    .withPanel(eventVolume('Guardrail blocks by model', { groupBy: 'model', category: ['guardrail_block'] }).height(9).span(12))
    .withPanel(alertsTable('Guardrail bypass alerts', { rule_id: ['guardrail_bypass'], status: 'all' }).height(8).span(24))
    .build();
}

/** Every dashboard by file name under dashboards/json/. */
export function allDashboards(): Record<string, dashboard.Dashboard> {
  return {
    'soc-overview.json': withPanelIds(socOverview()),
    'ueba-entity.json': withPanelIds(uebaDrillDown()),
    'judge-assurance.json': withPanelIds(judgeAssurance()),
    'guardrail-effectiveness.json': withPanelIds(guardrailEffectiveness()),
  };
}

/** Stable panel ids (in layout order), so links and alert annotations can point at a panel. */
function withPanelIds(board: dashboard.Dashboard): dashboard.Dashboard {
  (board.panels ?? []).forEach((panel, i) => {
    if ((panel as { id?: number }).id === undefined) (panel as { id?: number }).id = i + 1;
  });
  return board;
}


