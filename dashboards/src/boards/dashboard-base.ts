/** What every provisioned dashboard shares: tags, time, refresh, links, read-only, and the filter variables. */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { builtInAnnotations, valuesVariable } from '../builders.js';
import { DATASOURCE } from '../constants.js';

export const AISEC = { ...DATASOURCE.aisec };
const TAGS = ['aisec', 'ai-security'];

export function base(uid: string, title: string, description: string, tags: string[]): dashboard.DashboardBuilder {
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

/** The user, model and endpoint variables that VARIABLE_FILTERS refers to, in that order. */
export function withFilterVariables(board: dashboard.DashboardBuilder): dashboard.DashboardBuilder {
  return board
    .withVariable(valuesVariable('user', 'User', 'user_id'))
    .withVariable(valuesVariable('model', 'Model', 'model'))
    .withVariable(valuesVariable('endpoint', 'Endpoint', 'endpoint'));
}
