/**
 * Shapes long-format frames (one row per cell: row value, column value, count, severity, link value) into a
 * matrix for the panel. Plain TypeScript, tested without React.
 */
import type { DataFrame, Field } from '@grafana/data';
import { severityRank, SEVERITY_LADDER } from '../severity';
import type { MatrixOptions, RowOrder } from './types';

export interface MatrixCell {
  row: string;
  column: string;
  value: number;
  severity: string | null;
  /** the entity with most events in the cell, for drill-down */
  link: string | null;
}

export interface Matrix {
  rows: string[];
  columns: string[];
  cells: Map<string, MatrixCell>;
  max: number;
  total: number;
  rowTotals: Map<string, number>;
  /** what was missing when the data could not be read, for the empty state */
  problem?: string;
}

export const cellKey = (row: string, column: string) => `${row}\u0000${column}`;
const findField = (frame: DataFrame, name: string): Field | undefined => (name ? frame.fields.find((f) => f.name === name) : undefined);
const text = (value: unknown): string | null => (value === null || value === undefined || value === '' ? null : String(value));

export function buildMatrix(frames: DataFrame[], options: Pick<MatrixOptions, 'rowField' | 'columnField' | 'valueField' | 'severityField' | 'linkField' | 'rowOrder'>): Matrix {
  const cells = new Map<string, MatrixCell>();
  const rowsInOrder: string[] = [];
  const columnsSeen = new Set<string>();
  const rowTotals = new Map<string, number>();
  const missing = new Set<string>();

  for (const frame of frames) {
    const rowField = findField(frame, options.rowField);
    const columnField = findField(frame, options.columnField);
    const valueField = findField(frame, options.valueField);
    if (!rowField || !columnField || !valueField) {
      if (frame.length > 0) for (const [name, f] of [[options.rowField, rowField], [options.columnField, columnField], [options.valueField, valueField]] as const) if (!f) missing.add(name);
      continue;
    }
    const severityField = findField(frame, options.severityField);
    const linkField = findField(frame, options.linkField);
    for (let i = 0; i < frame.length; i++) {
      const row = text(rowField.values[i]);
      const column = text(columnField.values[i]);
      const value = Number(valueField.values[i] ?? 0);
      if (row === null || column === null || !Number.isFinite(value)) continue;
      const key = cellKey(row, column);
      const severity = text(severityField?.values[i]);
      const existing = cells.get(key);
      if (existing) {
        existing.value += value;
        if (severityRank(severity) > severityRank(existing.severity)) existing.severity = severity;
      } else {
        cells.set(key, { row, column, value, severity, link: text(linkField?.values[i]) });
      }
      if (!rowTotals.has(row)) rowsInOrder.push(row);
      rowTotals.set(row, (rowTotals.get(row) ?? 0) + value);
      columnsSeen.add(column);
    }
  }

  const columns = [...columnsSeen].sort(compareLabels);
  const rows = orderRows(rowsInOrder, rowTotals, options.rowOrder);
  let max = 0;
  let total = 0;
  for (const cell of cells.values()) {
    max = Math.max(max, cell.value);
    total += cell.value;
  }
  const matrix: Matrix = { rows, columns, cells, max, total, rowTotals };
  if (cells.size === 0 && missing.size > 0) matrix.problem = `The query result has no field named ${[...missing].map((m) => `"${m}"`).join(', ')}; pick the fields in the panel options.`;
  return matrix;
}

function compareLabels(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
}

function orderRows(rows: string[], totals: Map<string, number>, order: RowOrder): string[] {
  if (order === 'data') return rows;
  if (order === 'name') return [...rows].sort(compareLabels);
  return [...rows].sort((a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || a.localeCompare(b));
}

/** Column heading: tier 0 means "no risk tier on the event". */
export function columnLabel(column: string, prefix: string, columnField: string): string {
  if (columnField === 'risk_tier' && column === '0') return 'No tier';
  return `${prefix}${column}`;
}

/** Share of the largest cell, mapped to an opacity that keeps small counts visible. */
export function intensity(value: number, max: number): number {
  if (max <= 0 || value <= 0) return 0;
  return 0.3 + 0.7 * Math.sqrt(value / max);
}

/** Human description of a cell, for its tooltip and accessible name. */
export function describeCell(cell: MatrixCell, columnHeading: string): string {
  const step = SEVERITY_LADDER.find((s) => s.severity === cell.severity);
  const severity = step ? `, highest severity ${step.severity} (SOC ${step.soc}: ${step.sla.toLowerCase()})` : '';
  const link = cell.link ? `; most events from ${cell.link}` : '';
  return `${cell.row} · ${columnHeading}: ${cell.value.toLocaleString('en-US')} events${severity}${link}`;
}

/** The drill-down URL of a cell: `${value}`, `${row}` and `${column}` replaced (URL-encoded), then dashboard variables. */
export function drilldownHref(template: string, cell: MatrixCell, replaceVariables: (s: string) => string): string | undefined {
  if (!template || (!cell.link && template.includes('${value}'))) return undefined;
  const filled = template
    .replace(/\$\{value\}/g, encodeURIComponent(cell.link ?? ''))
    .replace(/\$\{row\}/g, encodeURIComponent(cell.row))
    .replace(/\$\{column\}/g, encodeURIComponent(cell.column));
  return replaceVariables(filled);
}
