/**
 * The provisioned dashboards, built with the Grafana Foundation SDK's typed builders, one module each under boards/:
 * SOC overview (seed 001 panels 1–5 plus open alerts by severity), UEBA entity drill-down, judge assurance and
 * guardrail effectiveness. Every query is a kind of the aisec datasource.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { guardrailEffectiveness } from './boards/guardrail-effectiveness.js';
import { judgeAssurance } from './boards/judge-assurance.js';
import { socOverview } from './boards/soc-overview.js';
import { uebaDrillDown } from './boards/ueba-entity.js';

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
