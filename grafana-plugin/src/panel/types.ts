/** Options of the SOC matrix panel, edited in the panel editor. */
export type ColorMode = 'severity' | 'gradient';
export type RowOrder = 'total' | 'data' | 'name';

export interface MatrixOptions {
  /** field whose values become rows (e.g. category, day) */
  rowField: string;
  /** field whose values become columns (e.g. risk_tier, hour) */
  columnField: string;
  /** numeric field summed into each cell */
  valueField: string;
  /** field holding each cell's highest severity (severity colour mode) */
  severityField: string;
  /** field holding the entity a cell drills down to */
  linkField: string;
  colorMode: ColorMode;
  rowOrder: RowOrder;
  /** prefix of column headings, e.g. "Tier " */
  columnPrefix: string;
  showLegend: boolean;
  /** drill-down URL; ${value} is the cell's link field value, ${row} and ${column} its coordinates; dashboard variables work */
  drilldownUrl: string;
  emptyMessage: string;
}

export const DEFAULT_OPTIONS: MatrixOptions = {
  rowField: 'category',
  columnField: 'risk_tier',
  valueField: 'events',
  severityField: 'max_severity',
  linkField: 'top_user',
  colorMode: 'severity',
  rowOrder: 'total',
  columnPrefix: 'Tier ',
  showLegend: true,
  drilldownUrl: '/d/aisec-ueba/ueba-entity-drill-down?var-user=${value}&${__url_time_range}',
  emptyMessage: 'No AI-security events in this time range.',
};
