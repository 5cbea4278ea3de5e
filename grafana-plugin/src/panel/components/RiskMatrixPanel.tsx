import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { colorManipulator, type GrafanaTheme2, type PanelProps } from '@grafana/data';
import { Icon, useStyles2, useTheme2 } from '@grafana/ui';
import { SEVERITY_LADDER, severityStep } from '../../severity';
import { buildMatrix, cellKey, columnLabel, describeCell, drilldownHref, intensity, type MatrixCell } from '../matrix';
import type { MatrixOptions } from '../types';

type Props = PanelProps<MatrixOptions>;

/**
 * SOC matrix: rows × columns of counts (risk tier × category by default), each cell coloured by the seed-004
 * severity ladder (or a single-hue gradient) with its count, and a drill-down link to the entity behind it.
 */
export function RiskMatrixPanel({ data, options, width, height, replaceVariables }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const matrix = useMemo(() => buildMatrix(data.series, options), [data.series, options]);

  if (matrix.cells.size === 0) {
    return (
      <div className={styles.empty} style={{ width, height }} data-testid="aisec-matrix-empty">
        <Icon name="shield" size="xxl" className={styles.emptyIcon} />
        <div className={styles.emptyTitle}>{options.emptyMessage || 'No data'}</div>
        <div className={styles.emptyHint}>{matrix.problem ?? 'Widen the time range or clear filters. Ordinary request traffic is left out unless the query includes it.'}</div>
      </div>
    );
  }

  const cellColors = (cell: MatrixCell) => {
    const base =
      options.colorMode === 'severity'
        ? theme.visualization.getColorByName(severityStep(cell.severity)?.color ?? 'text')
        : theme.visualization.getColorByName('blue');
    const strength = intensity(cell.value, matrix.max);
    const solid = options.colorMode === 'severity' && !cell.severity ? theme.colors.text.disabled : base;
    return {
      background: colorManipulator.alpha(solid, strength),
      // a translucent fill looks lighter on a light background: switch to the fill's contrast text later there
      color: strength >= (theme.isDark ? 0.62 : 0.85) ? theme.colors.getContrastText(solid) : theme.colors.text.primary,
      borderColor: colorManipulator.alpha(solid, Math.min(1, strength + 0.2)),
    };
  };
  const columnHeadings = matrix.columns.map((c) => columnLabel(c, options.columnPrefix, options.columnField));
  // a wide matrix (hour of week: 24 columns) narrows its headings and cells to the panel's width instead of scrolling
  const roomPerColumn = (width - 96 - 52) / Math.max(1, matrix.columns.length) - 4;
  const dense = roomPerColumn < 44;
  const cellMin = dense ? Math.max(18, Math.floor((width - 80) / Math.max(1, matrix.columns.length) - 4)) : 44;
  const gridTemplateColumns = `minmax(${dense ? 40 : 96}px, max-content) repeat(${matrix.columns.length}, minmax(${cellMin}px, 1fr)) minmax(${dense ? 40 : 52}px, max-content)`;
  // headings take their own height; the rows share the rest of the panel
  const gridTemplateRows = `auto repeat(${matrix.rows.length}, minmax(20px, 1fr))`;

  return (
    <div className={styles.wrapper} style={{ width, height }} data-testid="aisec-matrix">
      <div className={styles.grid} style={{ gridTemplateColumns, gridTemplateRows }} role="table" aria-label="SOC matrix">
        <div className={styles.corner} role="columnheader" />
        {columnHeadings.map((heading) => (
          <div key={heading} className={styles.columnHeading} role="columnheader">
            {heading}
          </div>
        ))}
        <div className={styles.columnHeading} role="columnheader">
          Total
        </div>
        {matrix.rows.map((row) => (
          <React.Fragment key={row}>
            <div className={styles.rowHeading} role="rowheader" title={row}>
              {row}
            </div>
            {matrix.columns.map((column, i) => {
              const cell = matrix.cells.get(cellKey(row, column));
              // no events: an outlined gap, so zeros recede and the counts that matter stand out
              if (!cell || cell.value === 0) return <div key={column} className={styles.emptyCell} aria-hidden="true" />;
              const description = describeCell(cell, columnHeadings[i]!);
              const href = drilldownHref(options.drilldownUrl, cell, replaceVariables);
              const content = (
                <>
                  <span className={dense ? styles.countDense : styles.count}>{formatCount(cell.value)}</span>
                  {options.colorMode === 'severity' && cell.severity && <span className={styles.severity}>{cell.severity}</span>}
                </>
              );
              return href ? (
                <a key={column} className={styles.cell} style={cellColors(cell)} href={href} title={`${description}. Open the UEBA drill-down.`} aria-label={description} data-testid="aisec-matrix-cell">
                  {content}
                </a>
              ) : (
                <div key={column} className={styles.cell} style={cellColors(cell)} title={description} aria-label={description} data-testid="aisec-matrix-cell">
                  {content}
                </div>
              );
            })}
            <div className={styles.rowTotal}>{formatCount(matrix.rowTotals.get(row) ?? 0)}</div>
          </React.Fragment>
        ))}
      </div>
      {options.showLegend && (
        <div className={styles.legend} data-testid="aisec-matrix-legend">
          {options.colorMode === 'severity' ? (
            SEVERITY_LADDER.filter((s) => s.severity !== 'info').map((step) => (
              <span key={step.severity} className={styles.legendItem} title={step.sla}>
                <span className={styles.swatch} style={{ background: theme.visualization.getColorByName(step.color) }} />
                {step.severity} · {step.soc}
              </span>
            ))
          ) : (
            <span className={styles.legendItem}>
              <span className={styles.gradient} style={{ background: `linear-gradient(90deg, ${colorManipulator.alpha(theme.visualization.getColorByName('blue'), 0.3)}, ${theme.visualization.getColorByName('blue')})` }} />
              0 – {formatCount(matrix.max)} events
            </span>
          )}
          <span className={styles.legendTotal}>{formatCount(matrix.total)} events</span>
        </div>
      )}
    </div>
  );
}

function formatCount(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  return n.toLocaleString('en-US');
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({ display: 'flex', flexDirection: 'column', overflow: 'auto', gap: theme.spacing(1) }),
  grid: css({ display: 'grid', gap: 3, alignItems: 'stretch', flex: '1 1 0', minHeight: 0, maxHeight: 720 }),
  corner: css({}),
  columnHeading: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    fontWeight: theme.typography.fontWeightMedium,
    textAlign: 'center',
    alignSelf: 'end',
    whiteSpace: 'nowrap',
    padding: theme.spacing(0, 0.5),
  }),
  rowHeading: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.primary,
    display: 'flex',
    alignItems: 'center',
    paddingRight: theme.spacing(1),
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    maxWidth: 220,
  }),
  cell: css({
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    borderRadius: theme.shape.radius.default,
    border: '1px solid transparent',
    textDecoration: 'none',
    lineHeight: 1.1,
    minHeight: 20,
    transition: 'transform 80ms ease-out',
    '&:hover': { transform: 'scale(1.04)', boxShadow: theme.shadows.z2, textDecoration: 'none' },
  }),
  emptyCell: css({ borderRadius: theme.shape.radius.default, border: `1px dashed ${theme.colors.border.weak}` }),
  count: css({ fontWeight: theme.typography.fontWeightBold, fontSize: theme.typography.body.fontSize, fontVariantNumeric: 'tabular-nums' }),
  countDense: css({ fontWeight: theme.typography.fontWeightBold, fontSize: theme.typography.bodySmall.fontSize, fontVariantNumeric: 'tabular-nums' }),
  severity: css({ fontSize: 10, textTransform: 'uppercase', letterSpacing: 0.4, opacity: 0.85 }),
  rowTotal: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'flex-end',
    fontVariantNumeric: 'tabular-nums',
  }),
  legend: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2), fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary, flex: '0 0 auto' }),
  legendItem: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5) }),
  legendTotal: css({ marginLeft: 'auto' }),
  swatch: css({ width: 12, height: 12, borderRadius: 2, display: 'inline-block' }),
  gradient: css({ width: 64, height: 10, borderRadius: 2, display: 'inline-block' }),
  empty: css({ display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center', gap: theme.spacing(1), textAlign: 'center', padding: theme.spacing(2) }),
  emptyIcon: css({ color: theme.colors.text.disabled }),
  emptyTitle: css({ fontSize: theme.typography.h5.fontSize, color: theme.colors.text.primary }),
  emptyHint: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary, maxWidth: 420 }),
});
