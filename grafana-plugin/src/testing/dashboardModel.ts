/**
 * A provisioned dashboard (dashboards/json/*.json) read the way Grafana's dashboard runtime reads it, for tests and
 * the screenshot harness: the dashboard's relative time range at a chosen "now", each panel's size in pixels on
 * Grafana's 24-column grid, and the query request Grafana's panel query runner would send for it (maxDataPoints =
 * the panel's width, interval from rangeUtil.calculateInterval). No React, no HTTP.
 */
import { dateTime, rangeUtil, type DataQueryRequest, type FieldConfigSource, type TimeRange } from '@grafana/data';
import type { AisecQuery } from '../datasource/types';
import { queryRequest } from './queryRequest';

export interface VariableJson {
  name: string;
  type: string;
  query?: unknown;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  current?: { text?: unknown; value?: unknown } | null;
}

export interface PanelJson {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: AisecQuery[];
  options?: Record<string, unknown>;
  fieldConfig?: FieldConfigSource;
  transformations?: Array<{ id: string; options: unknown; disabled?: boolean }>;
  maxDataPoints?: number;
  interval?: string;
}

export interface AnnotationJson {
  name: string;
  datasource?: { type?: string; uid?: string };
  enable?: boolean;
  builtIn?: number;
  target?: AisecQuery;
}

export interface DashboardJson {
  uid: string;
  title: string;
  time: { from: string; to: string };
  templating: { list: VariableJson[] };
  annotations?: { list: AnnotationJson[] };
  panels: PanelJson[];
}

/** Grafana's dashboard grid (public/app/core/constants.ts: GRID_COLUMN_COUNT, GRID_CELL_HEIGHT, GRID_CELL_VMARGIN). */
export const GRID = { columns: 24, cellHeight: 30, margin: 8 } as const;

export interface PanelBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where react-grid-layout puts a panel on a dashboard `dashboardWidth` pixels wide. */
export function panelBox(gridPos: PanelJson['gridPos'], dashboardWidth: number): PanelBox {
  const column = (dashboardWidth - GRID.margin * (GRID.columns - 1)) / GRID.columns;
  return {
    left: Math.round(gridPos.x * (column + GRID.margin)),
    top: gridPos.y * (GRID.cellHeight + GRID.margin),
    width: Math.round(gridPos.w * column + (gridPos.w - 1) * GRID.margin),
    height: gridPos.h * GRID.cellHeight + (gridPos.h - 1) * GRID.margin,
  };
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `now`, `now-7d`, … at a fixed instant; the dashboards use nothing else (anything else is an error, not a guess). */
export function relativeTime(text: string, now: number): number {
  const match = /^now(?:-(\d+)([smhdw]))?$/.exec(text);
  if (!match) throw new Error(`unsupported dashboard time "${text}" (expected now or now-<n><s|m|h|d|w>)`);
  return match[1] ? now - Number(match[1]) * UNIT_MS[match[2]!]! : now;
}

export function dashboardRange(dashboard: DashboardJson, now: number): TimeRange {
  const from = dateTime(relativeTime(dashboard.time.from, now));
  const to = dateTime(relativeTime(dashboard.time.to, now));
  return { from, to, raw: { from: dashboard.time.from, to: dashboard.time.to } };
}

/** The request Grafana's PanelQueryRunner sends for a panel: its targets, the range, maxDataPoints = width, the interval. */
export function panelRequest(dashboard: DashboardJson, panel: PanelJson, range: TimeRange, widthPx: number): DataQueryRequest<AisecQuery> {
  const maxDataPoints = panel.maxDataPoints ?? widthPx;
  const { interval, intervalMs } = rangeUtil.calculateInterval(range, maxDataPoints, panel.interval);
  const targets = (panel.targets ?? []).map((target) => ({ ...target }));
  return queryRequest(targets, range, {
    requestId: `${dashboard.uid}-${panel.id}`,
    panelId: panel.id,
    dashboardUID: dashboard.uid,
    interval,
    intervalMs,
    maxDataPoints,
    scopedVars: { __interval: { text: interval, value: interval }, __interval_ms: { text: String(intervalMs), value: intervalMs } },
  });
}

/** The variable's value on a freshly opened dashboard: "All" (its allValue) when that is current, else the given one. */
export function defaultVariableValue(variable: VariableJson): string | undefined {
  const current = variable.current?.value;
  const isAll = Array.isArray(current) ? current.includes('$__all') : current === '$__all';
  if (isAll && variable.includeAll) return variable.allValue ?? '$__all';
  if (typeof current === 'string' && current !== '') return current;
  if (Array.isArray(current) && typeof current[0] === 'string') return current[0];
  return undefined;
}
