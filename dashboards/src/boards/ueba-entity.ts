/** UEBA entity drill-down: one user's baseline, risk, hour-of-week activity, alerts and events. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { alertAnnotations, matrixPanel, q, valuesVariable } from '../builders.js';
import { DASHBOARD } from '../constants.js';
import { AISEC, base } from './dashboard-base.js';
import { alertsTable, eventVolume, fixedColorScheme } from './shared-panels.js';

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
    .withPanel(summaryStat('Events in range', 'events').colorScheme(fixedColorScheme('text')))
    .withPanel(summaryStat('Security events in range', 'security_events').colorMode(common.BigValueColorMode.Value).colorScheme(fixedColorScheme('orange')))
    .withPanel(summaryStat('Cost in range', 'cost_usd', 'currencyUSD').colorScheme(fixedColorScheme('text')))
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
