/** Judge assurance: judge drift against the trailing mean, score distributions, judge flags and drift alerts. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { alertAnnotations, q, valuesVariable, VARIABLE_FILTERS } from '../builders.js';
import { DASHBOARD } from '../constants.js';
import { AISEC, base, withFilterVariables } from './dashboard-base.js';
import { alertsTable, eventVolume, judgeScoreDistribution, legendRight } from './shared-panels.js';

/** Daily mean judge score, trailing mean and drift per judge model (the time series and the drift stat read the same frames). */
const driftQuery = () => q({ kind: 'judge_drift', judge_model: ['$judge_model'], ...VARIABLE_FILTERS });

export function judgeAssurance(): dashboard.Dashboard {
  const board = base(DASHBOARD.judge.uid, 'AI Security — Judge assurance', 'Seed 001 §6: judge drift (daily mean score vs the 7 days before; days flagged as the judge_drift rule flags them: a mean shift over 0.15 or a distribution shift, each significant at its sample size) and score distributions.', ['judge']);
  return withFilterVariables(board.withVariable(valuesVariable('judge_model', 'Judge model', 'judge_model')))
    .time({ from: 'now-30d', to: 'now' })
    .annotation(alertAnnotations())
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Judge drift: daily mean score vs trailing mean')
        .description('Solid: daily mean judge score per judge model; dashed: its trailing mean. Drift above the threshold is flagged (see the table).')
        .datasource(AISEC)
        .withTarget(driftQuery())
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
        .withTarget(driftQuery())
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
