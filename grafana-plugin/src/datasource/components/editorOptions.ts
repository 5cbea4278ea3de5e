/** What the query editor and its per-kind options share: select options from a list of values, the label width. */
import type { SelectableValue } from '@grafana/data';
import { SEVERITY_VALUES } from '../query/kinds';

export const options = <T extends string>(values: readonly T[], label: (v: T) => string = (v) => v): Array<SelectableValue<T>> =>
  values.map((value) => ({ value, label: label(value) }));

export const SEVERITY_OPTIONS = options(SEVERITY_VALUES);
export const LABEL_WIDTH = 14;
