/**
 * Panel ids by dashboard file and panel title, so alert rules link to a panel that exists (Grafana requires
 * __dashboardUid__ and __panelId__ together) and a renamed panel fails generation instead of a dead link.
 */
import { allDashboards } from './dashboards.js';

export function panelId(file: string, title: string): number {
  const board = allDashboards()[file];
  if (!board) throw new Error(`no dashboard ${file}`);
  const panel = (board.panels ?? []).find((p) => (p as { title?: string }).title === title) as { id?: number } | undefined;
  if (panel?.id === undefined) throw new Error(`no panel titled "${title}" with an id in ${file}`);
  return panel.id;
}
