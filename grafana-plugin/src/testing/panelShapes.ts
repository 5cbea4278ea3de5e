/**
 * Does a panel get data of the shape its visualization needs? One rule per panel type, each mirroring what the
 * panel itself does with `data.series` in Grafana 11.6 (file and function cited per rule); where @grafana/data
 * exports the function the panel calls, the rule calls it rather than restating it. A rule answers the problems
 * it found, [] when Grafana would draw the panel from real values (not its "No data" state).
 * Input: the series after transformations and field config (panelData.ts), as the panel receives them.
 */
import { FieldType, getHistogramFields, type DataFrame, type GrafanaTheme2 } from '@grafana/data';
import { buildMatrix } from '../panel/matrix';
import { DEFAULT_OPTIONS, type MatrixOptions } from '../panel/types';
import type { PanelJson } from './dashboardModel';
import { panelDisplayValues } from './panelData';

export interface ShapeContext {
  theme: GrafanaTheme2;
}

type Rule = (panel: PanelJson, series: DataFrame[], context: ShapeContext) => string[];

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const describe = (series: DataFrame[]) => series.map((f) => `${f.name ?? f.refId ?? '?'}(${f.fields.map((x) => `${x.name}:${x.type}`).join(', ')}; ${f.length} rows)`).join(' | ') || 'no frames';

/**
 * Time series — public/app/plugins/panel/timeseries/utils.ts, prepareGraphableFields(): a frame is drawn only when it
 * has a `time` field and a value field (number, boolean or enum); when no frame qualifies it returns null and
 * TimeSeriesPanel.tsx shows its data-error view instead of a graph. On demo traffic we also want a number to draw.
 */
const timeSeries: Rule = (_panel, series) => {
  const graphable = series.filter((f) => f.fields.some((x) => x.type === FieldType.time) && f.fields.some((x) => x.type === FieldType.number || x.type === FieldType.boolean || x.type === FieldType.enum));
  if (graphable.length === 0) return [`no frame with a time field and a numeric field (prepareGraphableFields would return null): ${describe(series)}`];
  const problems: string[] = [];
  for (const frame of graphable) {
    const time = frame.fields.find((x) => x.type === FieldType.time)!;
    if (!time.values.every(isFiniteNumber)) problems.push(`frame ${frame.name}: time values are not epoch milliseconds`);
    for (let i = 1; i < time.values.length; i++) if ((time.values[i] as number) < (time.values[i - 1] as number)) problems.push(`frame ${frame.name}: time values not ascending`);
  }
  const drawn = graphable.some((f) => f.fields.some((x) => x.type === FieldType.number && x.values.some(isFiniteNumber)));
  if (!drawn) problems.push(`time series has no numeric value to draw: ${describe(graphable)}`);
  return problems;
};

/**
 * Stat, gauge, bar gauge (and pie chart) — each calls @grafana/data's getFieldDisplayValues()
 * (packages/grafana-data/src/field/fieldDisplay.ts) with the panel's reduceOptions: `fields` is a regex over the
 * field's *display name* (fieldMatchers byRegexp, getFieldDisplayName), else every numeric field; when nothing
 * matches it returns the single "No data" placeholder (createNoValuesFieldDisplay). StatPanel.tsx, GaugePanel.tsx,
 * BarGaugePanel.tsx render exactly those values. Called here as the panels call it.
 */
const fieldDisplay: Rule = (panel, series, context) => {
  const values = panelDisplayValues(panel, series, context.theme);
  const real = values.filter((v) => v.view !== undefined);
  if (real.length === 0) {
    const fields = (panel.options as { reduceOptions?: { fields?: string } } | undefined)?.reduceOptions?.fields;
    return [`getFieldDisplayValues found no field for reduceOptions.fields ${JSON.stringify(fields ?? '(numeric)')} — the panel shows "${values[0]?.display.text ?? 'No data'}": ${describe(series)}`];
  }
  const notNumeric = real.filter((v) => !isFiniteNumber(v.display.numeric));
  return notNumeric.length > 0 ? [`values without a number: ${notNumeric.map((v) => `${v.display.title}=${v.display.text}`).join(', ')}`] : [];
};

/**
 * Table — public/app/plugins/panel/table/TablePanel.tsx: with no frame, or frames without fields or rows, the
 * panel shows its no-data view (PanelDataErrorView). Any field types are fine.
 */
const table: Rule = (_panel, series) => {
  const shown = series.filter((f) => f.fields.length > 0);
  if (shown.length === 0) return [`no frame with fields: ${describe(series)}`];
  return shown.some((f) => f.length > 0) ? [] : [`table frames have no rows: ${describe(shown)}`];
};

/**
 * Histogram — public/app/plugins/panel/histogram/HistogramPanel.tsx: pre-binned data is used as is only when there
 * is ONE frame (or all frames are heatmap-typed) and @grafana/data's getHistogramFields() finds xMin/xMax and count
 * fields in it; otherwise buildHistogram() re-bins every numeric value, which would turn bucket bounds into data.
 */
const histogram: Rule = (_panel, series) => {
  if (series.length !== 1) return [`histogram needs one pre-binned frame (got ${series.length}; Grafana would re-bin the bucket bounds): ${describe(series)}`];
  const fields = getHistogramFields(series[0]!);
  if (!fields) return [`getHistogramFields found no xMin/xMax/count fields: ${describe(series)}`];
  const total = fields.counts.reduce((sum, c) => sum + c.values.reduce((s: number, v: unknown) => s + (isFiniteNumber(v) ? v : 0), 0), 0);
  return total > 0 ? [] : ['histogram counts are all zero'];
};

/** Our SOC matrix panel — grafana-plugin/src/panel/matrix.ts, buildMatrix(): the fields its options name, cells with counts. */
const riskMatrix: Rule = (panel, series) => {
  const options: MatrixOptions = { ...DEFAULT_OPTIONS, ...(panel.options as Partial<MatrixOptions>) };
  const matrix = buildMatrix(series, options);
  if (matrix.problem) return [`matrix: ${matrix.problem}`];
  return matrix.total > 0 ? [] : [`matrix has no counts in ${options.valueField}: ${describe(series)}`];
};

export const SHAPE_RULES: Record<string, Rule> = {
  timeseries: timeSeries,
  stat: fieldDisplay,
  gauge: fieldDisplay,
  bargauge: fieldDisplay,
  piechart: fieldDisplay,
  table,
  histogram,
  'aisec-riskmatrix-panel': riskMatrix,
};

/**
 * Annotation queries — public/app/features/annotations/standardAnnotationSupport.ts, getAnnotationsFromData(): the
 * frames become one (joined on time), a `time` field (by name, else the first time field) and a `text` field (by
 * name, else the first string field) are required or no annotation is drawn; `title`, `timeEnd` and `tags` are used
 * when present. On demo traffic there must be events to draw.
 */
export function checkAnnotationFrames(frames: DataFrame[]): string[] {
  const rows = frames.filter((f) => f.length > 0);
  if (rows.length === 0) return [`no annotation rows: ${describe(frames)}`];
  const problems: string[] = [];
  for (const frame of rows) {
    const time = frame.fields.find((x) => x.name.toLowerCase() === 'time') ?? frame.fields.find((x) => x.type === FieldType.time);
    const text = frame.fields.find((x) => x.name.toLowerCase() === 'text') ?? frame.fields.find((x) => x.type === FieldType.string);
    if (!time || time.type !== FieldType.time) problems.push(`annotation frame ${frame.name} has no time field`);
    if (!text) problems.push(`annotation frame ${frame.name} has no text field`);
  }
  return problems;
}

/** Problems of one panel's data; a panel type without a rule is a problem too (add a rule for it). */
export function checkPanelShape(panel: PanelJson, series: DataFrame[], context: ShapeContext): string[] {
  const rule = SHAPE_RULES[panel.type];
  if (!rule) return [`no shape rule for panel type "${panel.type}" (add one to grafana-plugin/src/testing/panelShapes.ts)`];
  return rule(panel, series, context);
}
