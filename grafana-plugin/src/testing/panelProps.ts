/**
 * The props Grafana hands a panel plugin, for rendering RiskMatrixPanel outside Grafana (jest and the harness pages):
 * done loading, UTC, no editing callbacks that do anything.
 */
import { LoadingState, type DataFrame, type FieldConfigSource, type PanelProps, type TimeRange } from '@grafana/data';
import { DEFAULT_OPTIONS, type MatrixOptions } from '../panel/types';

export interface MatrixPanelInput {
  series: DataFrame[];
  /** over DEFAULT_OPTIONS */
  options?: Partial<MatrixOptions>;
  timeRange: TimeRange;
  width: number;
  height: number;
  replaceVariables: (text: string) => string;
  id?: number;
  title?: string;
  fieldConfig?: FieldConfigSource;
}

export function matrixPanelProps(input: MatrixPanelInput): PanelProps<MatrixOptions> {
  return {
    id: input.id ?? 1,
    data: { series: input.series, state: LoadingState.Done, timeRange: input.timeRange },
    timeRange: input.timeRange,
    timeZone: 'utc',
    options: { ...DEFAULT_OPTIONS, ...input.options },
    fieldConfig: input.fieldConfig ?? { defaults: {}, overrides: [] },
    transparent: false,
    width: input.width,
    height: input.height,
    title: input.title ?? '',
    renderCounter: 1,
    replaceVariables: input.replaceVariables,
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    onChangeTimeRange: () => undefined,
    eventBus: undefined,
  } as unknown as PanelProps<MatrixOptions>;
}

/** Grafana's `${__url_time_range}` for a range, as `from=<epoch ms>&to=<epoch ms>`, after the other variables. */
export function withUrlTimeRange(replaceVariables: (text: string) => string, timeRange: TimeRange): (text: string) => string {
  return (text) => replaceVariables(text).replace('${__url_time_range}', `from=${timeRange.from.valueOf()}&to=${timeRange.to.valueOf()}`);
}
