/** SOC overview: seed 001 panels 1–5 plus open alerts by severity and by rule. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { alertAnnotations, matrixPanel, q, SEVERITY_COLOR, userLink, VARIABLE_FILTERS } from '../builders.js';
import { DASHBOARD } from '../constants.js';
import { AISEC, base, withFilterVariables } from './dashboard-base.js';
import { alertsTable, colorFixed, eventVolume, fixedColorScheme, guardrailCatchesOverTime, guardrailRatio, judgeScoreDistribution, TABLE_MIN_COLUMN_WIDTH } from './shared-panels.js';

const PAGED_SEVERITIES = ['critical', 'high', 'medium'] as const;
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

function riskMatrix(): dashboard.PanelBuilder {
  return matrixPanel('Risk tier × category', { colorMode: 'severity', rowOrder: 'total', columnPrefix: 'Tier ', showLegend: true, drilldownUrl: `/d/${DASHBOARD.ueba.uid}/${DASHBOARD.ueba.slug}?var-user=\${value}&\${__url_time_range}` })
    .description('Seed 001 panel 4: events by risk tier and category, each cell coloured by its highest severity; click a cell for its top user’s UEBA drill-down.')
    .withTarget(q({ kind: 'risk_matrix', ...VARIABLE_FILTERS }));
}

export function socOverview(): dashboard.Dashboard {
  return withFilterVariables(base(DASHBOARD.soc.uid, 'AI Security — SOC overview', 'Seed 001 dashboard panels for the SOC: event volume, top users, guardrail effectiveness, risk tiers, judge scores, and open alerts.', ['soc']))
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
        .colorScheme(fixedColorScheme(SEVERITY_COLOR.critical))
        .height(5)
        .span(8),
    )
    .withPanel(eventVolume('AI security event volume by category').height(9).span(24))
    .withPanel(riskMatrix().height(10).span(14))
    .withPanel(topUsers().height(10).span(10))
    .withPanel(judgeScoreDistribution().height(8).span(12))
    .withPanel(guardrailCatchesOverTime('Guardrail effectiveness over time').height(8).span(12))
    .withPanel(alertsTable('Open alerts', { status: 'open', ...VARIABLE_FILTERS }).height(10).span(24))
    .build();
}
