import { createTheme, FieldType, toDataFrame, type DataFrame } from '@grafana/data';
import type { PanelJson } from './dashboardModel';
import { panelSeries } from './panelData';
import { checkAnnotationFrames, checkPanelShape } from './panelShapes';

const theme = createTheme();
const panel = (type: string, extra: Partial<PanelJson> = {}): PanelJson => ({ id: 1, type, title: 't', gridPos: { h: 8, w: 12, x: 0, y: 0 }, ...extra });
const check = async (p: PanelJson, frames: DataFrame[]) => checkPanelShape(p, await panelSeries(p, frames, theme, (s) => s), { theme });

const timeFrame = (name: string) =>
  toDataFrame({ name, fields: [{ name: 'Time', type: FieldType.time, values: [1, 2, 3] }, { name: 'events', type: FieldType.number, values: [1, 0, 2] }] });

describe('time series', () => {
  it('accepts a time field with numbers, and says when a frame has no time field', async () => {
    expect(await check(panel('timeseries'), [timeFrame('a')])).toEqual([]);
    const table = toDataFrame({ fields: [{ name: 'user', type: FieldType.string, values: ['a'] }, { name: 'n', type: FieldType.number, values: [1] }] });
    expect((await check(panel('timeseries'), [table]))[0]).toMatch(/no frame with a time field/);
  });

  it('checks what is left after the panel’s transformations', async () => {
    const drop = panel('timeseries', { transformations: [{ id: 'filterFieldsByName', options: { include: { names: ['Time'] } } }] });
    expect((await check(drop, [timeFrame('a')]))[0]).toMatch(/no frame with a time field and a numeric field/);
  });
});

describe('stat', () => {
  const frame = toDataFrame({ refId: 'A', fields: [{ name: 'severity', type: FieldType.string, values: ['critical', 'high'] }, { name: 'alerts', type: FieldType.number, values: [3, 0] }] });

  it('uses Grafana’s getFieldDisplayValues: a field pattern matches display names, not field names', async () => {
    const renamed = (fields: string) =>
      panel('stat', {
        options: { reduceOptions: { values: false, calcs: ['sum'], fields } },
        fieldConfig: { defaults: {}, overrides: [{ matcher: { id: 'byName', options: 'alerts' }, properties: [{ id: 'displayName', value: 'Critical' }] }] },
      });
    expect((await check(renamed('/^alerts$/'), [frame]))[0]).toMatch(/found no field .*No data/);
    expect(await check(renamed('/^Critical$/'), [frame])).toEqual([]);
    expect(await check(renamed(''), [frame])).toEqual([]);
  });

  it('says when the value shown is not a number', async () => {
    const p = panel('stat', { options: { reduceOptions: { values: false, calcs: ['lastNotNull'], fields: '/^severity$/' } } });
    expect((await check(p, [frame]))[0]).toMatch(/values without a number/);
  });
});

describe('histogram', () => {
  const binned = (name: string) => toDataFrame({ name, fields: [{ name: 'xMin', type: FieldType.number, values: [0, 0.5] }, { name: 'xMax', type: FieldType.number, values: [0.5, 1] }, { name: 'count', type: FieldType.number, values: [2, 3] }] });

  it('accepts one pre-binned frame and refuses several (Grafana would re-bin the bounds)', async () => {
    expect(await check(panel('histogram'), [binned('a')])).toEqual([]);
    expect((await check(panel('histogram'), [binned('a'), binned('b')]))[0]).toMatch(/one pre-binned frame/);
  });
});

describe('table, matrix and unknown types', () => {
  it('wants rows in a table, the matrix fields for our panel, and a rule for every type', async () => {
    expect((await check(panel('table'), [toDataFrame({ fields: [{ name: 'a', type: FieldType.string, values: [] }] })]))[0]).toMatch(/no rows/);
    const matrix = toDataFrame({ fields: [{ name: 'risk_tier', type: FieldType.number, values: [1] }, { name: 'category', type: FieldType.string, values: ['judge_flag'] }, { name: 'events', type: FieldType.number, values: [4] }] });
    expect(await check(panel('aisec-riskmatrix-panel'), [matrix])).toEqual([]);
    expect((await check(panel('aisec-riskmatrix-panel', { options: { valueField: 'count' } }), [matrix]))[0]).toMatch(/matrix/);
    expect(await check(panel('geomap'), [matrix])).toEqual(['no shape rule for panel type "geomap" (add one to grafana-plugin/src/testing/panelShapes.ts)']);
  });
});

describe('annotations', () => {
  it('need a time and a text field, as getAnnotationsFromData reads them', () => {
    const good = toDataFrame({ fields: [{ name: 'time', type: FieldType.time, values: [1] }, { name: 'title', type: FieldType.string, values: ['x'] }, { name: 'text', type: FieldType.string, values: ['y'] }] });
    expect(checkAnnotationFrames([good])).toEqual([]);
    const noTime = toDataFrame({ name: 'a', fields: [{ name: 'text', type: FieldType.string, values: ['y'] }] });
    expect(checkAnnotationFrames([noTime])).toEqual(['annotation frame a has no time field']);
    expect(checkAnnotationFrames([])[0]).toMatch(/no annotation rows/);
  });
});
