/** Guardrail effectiveness: what guardrails catch vs what the judge catches after a guardrail pass. */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { alertAnnotations, q, VARIABLE_FILTERS } from '../builders.js';
import { DASHBOARD } from '../constants.js';
import { AISEC, base, withFilterVariables } from './dashboard-base.js';
import { alertsTable, byDisplayName, colorFixed, eventVolume, GUARDRAIL_NAMES, guardrailCatchesOverTime, guardrailRatio } from './shared-panels.js';

export function guardrailEffectiveness(): dashboard.Dashboard {
  return withFilterVariables(base(DASHBOARD.guardrails.uid, 'AI Security — Guardrail effectiveness', 'Seed 001 panel 3 in depth: what guardrails catch vs what the judge catches after a guardrail pass (guardrail gaps), overall, over time and per policy.', ['guardrails']))
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
    .withPanel(guardrailCatchesOverTime('Guardrail vs judge catches over time', { bars: true }).height(9).span(24))
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
