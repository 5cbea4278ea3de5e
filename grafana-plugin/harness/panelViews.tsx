/**
 * One view per panel type for the dashboard harness, drawing the series a panel receives (after transformations
 * and field config). Honest about what is Grafana's: every view says in its header which component draws it —
 * @grafana/ui components (TimeSeries, BigValue, BarGauge, Table), the plugin's own RiskMatrixPanel, or a stand-in
 * where Grafana's panel lives in Grafana's app rather than in @grafana/ui (the histogram).
 */
import React from 'react';
import {
  FieldType,
  getDisplayProcessor,
  getHistogramFields,
  type DataFrame,
  type GrafanaTheme2,
  type TimeRange,
  VizOrientation,
} from '@grafana/data';
import {
  BarGauge,
  BarGaugeDisplayMode,
  BigValue,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  Table,
  TimeSeries,
} from '@grafana/ui';
import { BarGaugeNamePlacement, type VizLegendOptions } from '@grafana/schema';
import { RiskMatrixPanel } from '../src/panel/components/RiskMatrixPanel';
import type { MatrixOptions } from '../src/panel/types';
import type { PanelJson } from '../src/testing/dashboardModel';
import { EMPTY_FIELD_CONFIG, panelDisplayValues } from '../src/testing/panelData';
import { matrixPanelProps, withUrlTimeRange } from '../src/testing/panelProps';

export interface ViewProps {
  panel: PanelJson;
  series: DataFrame[];
  width: number;
  height: number;
  theme: GrafanaTheme2;
  timeRange: TimeRange;
  replaceVariables: (text: string) => string;
}

export interface PanelView {
  /** what draws it, shown in the panel header: "Grafana: <@grafana/ui component>", "plugin: …" or "stand-in: …" */
  drawnBy: string;
  render(props: ViewProps): React.ReactNode;
}

/** The frames a time series draws: time + value fields with palette indexes, as prepareGraphableFields leaves them (stand-in for that app function). */
function graphable(series: DataFrame[], theme: GrafanaTheme2): DataFrame[] {
  let seriesIndex = 0;
  return series
    .filter((f) => f.fields.some((x) => x.type === FieldType.time) && f.fields.some((x) => x.type === FieldType.number))
    .map((frame) => ({
      ...frame,
      fields: frame.fields
        .filter((x) => x.type === FieldType.time || x.type === FieldType.number)
        .map((field) => {
          if (field.type !== FieldType.number) return field;
          const copy = { ...field, state: { ...field.state, seriesIndex: seriesIndex++ } };
          copy.display = getDisplayProcessor({ field: copy, theme });
          return copy;
        }),
    }));
}

const option = <T,>(panel: PanelJson, key: string, fallback: T): T => ((panel.options ?? {})[key] as T | undefined) ?? fallback;

/** The values a stat, gauge or bar gauge shows (panelData.panelDisplayValues). */
export const displayValues = ({ panel, series, theme, replaceVariables }: Pick<ViewProps, 'panel' | 'series' | 'theme' | 'replaceVariables'>) =>
  panelDisplayValues(panel, series, theme, replaceVariables);

const timeseries: PanelView = {
  drawnBy: 'Grafana: TimeSeries',
  render: (props) => {
    const legend = option<VizLegendOptions>(props.panel, 'legend', { showLegend: true, displayMode: 'list' as VizLegendOptions['displayMode'], placement: 'bottom', calcs: [] });
    const frames = graphable(props.series, props.theme);
    // TimeSeriesPanel shows its data-error view when prepareGraphableFields finds nothing to draw
    if (frames.length === 0) return <div style={{ color: props.theme.colors.text.secondary }}>Data does not have a time field and a numeric field</div>;
    return <TimeSeries frames={frames} width={props.width} height={props.height} timeRange={props.timeRange} timeZone="utc" legend={legend} options={props.panel.options} />;
  },
};

const stat: PanelView = {
  drawnBy: 'Grafana: BigValue',
  render: (props) => {
    const values = displayValues(props);
    const colorMode = option(props.panel, 'colorMode', BigValueColorMode.Value);
    const textMode = option(props.panel, 'textMode', BigValueTextMode.Auto);
    const w = Math.floor((props.width - 8 * (values.length - 1)) / values.length);
    return (
      <div style={{ display: 'flex', gap: 8 }}>
        {values.map((v, i) => (
          <BigValue key={i} value={v.display} count={values.length} theme={props.theme} width={w} height={props.height} colorMode={colorMode} graphMode={BigValueGraphMode.None} textMode={textMode} justifyMode={BigValueJustifyMode.Auto} />
        ))}
      </div>
    );
  },
};

const bargauge: PanelView = {
  drawnBy: 'Grafana: BarGauge',
  render: (props) => {
    const values = displayValues(props);
    const h = Math.floor((props.height - 8 * (values.length - 1)) / values.length);
    return (
      <div style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
        {values.map((v, i) => (
          <BarGauge key={i} value={v.display} field={v.field} theme={props.theme} width={props.width} height={h} orientation={VizOrientation.Horizontal} displayMode={option(props.panel, 'displayMode', BarGaugeDisplayMode.Basic)} namePlacement={option(props.panel, 'namePlacement', BarGaugeNamePlacement.Auto)} showUnfilled itemSpacing={8} />
        ))}
      </div>
    );
  },
};

const table: PanelView = {
  drawnBy: 'Grafana: Table',
  render: (props) => {
    const frame = props.series.find((f) => f.fields.length > 0);
    return frame ? <Table data={frame} width={props.width} height={props.height} /> : null;
  },
};

/** Stand-in: Grafana's histogram panel (public/app/plugins/panel/histogram) is app code, not in @grafana/ui. */
const histogram: PanelView = {
  drawnBy: 'stand-in: SVG histogram',
  render: ({ series, width, height, theme }) => {
    const fields = series.length === 1 ? getHistogramFields(series[0]!) : null;
    if (!fields) return <div>No histogram found in response</div>;
    const mins = fields.xMin.values as number[];
    const maxs = fields.xMax.values as number[];
    const counts = fields.counts.map((c) => c.values as number[]);
    const stacked = mins.map((_, i) => counts.reduce((s, c) => s + (c[i] ?? 0), 0));
    const top = Math.max(1, ...stacked);
    const pad = { left: 40, bottom: 36, top: 8, right: 8 };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const x0 = Math.min(...mins);
    const x1 = Math.max(...maxs);
    const sx = (v: number) => pad.left + ((v - x0) / (x1 - x0 || 1)) * plotW;
    const sy = (v: number) => pad.top + plotH - (v / top) * plotH;
    const palette = theme.visualization.palette;
    const text = theme.colors.text.secondary;
    return (
      <svg width={width} height={height} role="img" aria-label="histogram">
        {mins.map((min, i) => {
          let base = 0;
          return counts.map((c, k) => {
            const v = c[i] ?? 0;
            const rect = <rect key={`${i}-${k}`} x={sx(min) + 1} width={Math.max(1, sx(maxs[i]!) - sx(min) - 2)} y={sy(base + v)} height={sy(base) - sy(base + v)} fill={theme.visualization.getColorByName(palette[k % palette.length]!)} opacity={0.8} />;
            base += v;
            return rect;
          });
        })}
        <line x1={pad.left} x2={pad.left + plotW} y1={pad.top + plotH} y2={pad.top + plotH} stroke={text} />
        {mins.concat([x1]).map((v, i) => (
          <text key={i} x={sx(v)} y={pad.top + plotH + 14} fontSize={11} fill={text} textAnchor="middle">
            {Number(v.toFixed(2))}
          </text>
        ))}
        <text x={4} y={pad.top + 10} fontSize={11} fill={text}>
          {top}
        </text>
        {fields.counts.length > 1 &&
          fields.counts.map((c, k) => (
            <text key={k} x={pad.left + k * 170} y={height - 4} fontSize={11} fill={theme.visualization.getColorByName(palette[k % palette.length]!)}>
              ■ {Object.values(c.labels ?? {}).join(' ') || c.name}
            </text>
          ))}
      </svg>
    );
  },
};

const riskMatrix: PanelView = {
  drawnBy: 'plugin: RiskMatrixPanel',
  render: ({ panel, series, width, height, timeRange, replaceVariables }) => {
    const props = matrixPanelProps({
      id: panel.id,
      title: panel.title,
      series,
      options: panel.options as Partial<MatrixOptions>,
      fieldConfig: panel.fieldConfig ?? EMPTY_FIELD_CONFIG,
      timeRange,
      width,
      height,
      replaceVariables: withUrlTimeRange(replaceVariables, timeRange),
    });
    return <RiskMatrixPanel {...props} />;
  },
};

export const PANEL_VIEWS: Record<string, PanelView> = { timeseries, stat, bargauge, table, histogram, 'aisec-riskmatrix-panel': riskMatrix };
