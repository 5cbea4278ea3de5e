import { PanelPlugin } from '@grafana/data';
import { RiskMatrixPanel } from './components/RiskMatrixPanel';
import { DEFAULT_OPTIONS, type MatrixOptions } from './types';

export const plugin = new PanelPlugin<MatrixOptions>(RiskMatrixPanel).setPanelOptions((builder) =>
  builder
    .addFieldNamePicker({ path: 'rowField', name: 'Rows', description: 'Field whose values become rows', defaultValue: DEFAULT_OPTIONS.rowField, category: ['Matrix'] })
    .addFieldNamePicker({ path: 'columnField', name: 'Columns', description: 'Field whose values become columns', defaultValue: DEFAULT_OPTIONS.columnField, category: ['Matrix'] })
    .addFieldNamePicker({ path: 'valueField', name: 'Value', description: 'Numeric field counted in each cell', defaultValue: DEFAULT_OPTIONS.valueField, category: ['Matrix'] })
    .addTextInput({ path: 'columnPrefix', name: 'Column prefix', description: 'Text before each column heading, e.g. "Tier "', defaultValue: DEFAULT_OPTIONS.columnPrefix, category: ['Matrix'] })
    .addRadio({
      path: 'rowOrder',
      name: 'Row order',
      defaultValue: DEFAULT_OPTIONS.rowOrder,
      settings: { options: [{ value: 'total', label: 'Most events first' }, { value: 'name', label: 'By name' }, { value: 'data', label: 'As queried' }] },
      category: ['Matrix'],
    })
    .addRadio({
      path: 'colorMode',
      name: 'Colour',
      description: 'Severity: the highest severity in the cell on the SOC ladder (seed 004); gradient: one hue by count',
      defaultValue: DEFAULT_OPTIONS.colorMode,
      settings: { options: [{ value: 'severity', label: 'Severity ladder' }, { value: 'gradient', label: 'Gradient' }] },
      category: ['Colour'],
    })
    .addFieldNamePicker({
      path: 'severityField',
      name: 'Severity field',
      defaultValue: DEFAULT_OPTIONS.severityField,
      showIf: (o) => o.colorMode === 'severity',
      category: ['Colour'],
    })
    .addBooleanSwitch({ path: 'showLegend', name: 'Legend', defaultValue: DEFAULT_OPTIONS.showLegend, category: ['Colour'] })
    .addFieldNamePicker({ path: 'linkField', name: 'Drill-down field', description: 'Entity each cell links to (e.g. top_user)', defaultValue: DEFAULT_OPTIONS.linkField, category: ['Drill-down'] })
    .addTextInput({
      path: 'drilldownUrl',
      name: 'Drill-down URL',
      description: '${value}: the cell’s drill-down entity; ${row}, ${column}: its coordinates; dashboard variables such as ${__url_time_range} work. Empty: no links.',
      defaultValue: DEFAULT_OPTIONS.drilldownUrl,
      category: ['Drill-down'],
    })
    .addTextInput({ path: 'emptyMessage', name: 'Empty message', defaultValue: DEFAULT_OPTIONS.emptyMessage, category: ['Drill-down'] }),
);
