import { toDataFrame } from '@grafana/data';
import { buildMatrix, columnLabel, describeCell, drilldownHref, intensity } from './matrix';
import { DEFAULT_OPTIONS } from './types';

const riskFrame = toDataFrame({
  fields: [
    { name: 'risk_tier', type: 'number', values: [4, 2, 3, 3, 0] },
    { name: 'category', type: 'string', values: ['prompt_attack', 'guardrail_block', 'judge_flag', 'prompt_attack', 'anomaly'] },
    { name: 'events', type: 'number', values: [35, 120, 91, 2, 1] },
    { name: 'max_severity', type: 'string', values: ['critical', 'low', 'high', 'medium', null] },
    { name: 'top_user', type: 'string', values: ['mallory', 'bob', 'dave', 'eve', null] },
  ],
});

describe('buildMatrix', () => {
  it('lays cells out by row and column, rows by most events, numeric columns in order', () => {
    const m = buildMatrix([riskFrame], DEFAULT_OPTIONS);
    expect(m.columns).toEqual(['0', '2', '3', '4']);
    expect(m.rows).toEqual(['guardrail_block', 'judge_flag', 'prompt_attack', 'anomaly']);
    expect(m.rowTotals.get('prompt_attack')).toBe(37);
    expect(m.max).toBe(120);
    expect(m.total).toBe(249);
    expect(m.cells.get('prompt_attack\u00004')).toEqual({ row: 'prompt_attack', column: '4', value: 35, severity: 'critical', link: 'mallory' });
  });

  it('adds up repeated cells and keeps the highest severity', () => {
    const twice = toDataFrame({
      fields: [
        { name: 'day', values: ['Mon', 'Mon'] },
        { name: 'hour', values: [9, 9] },
        { name: 'events', values: [2, 3] },
        { name: 'max_severity', values: ['medium', 'high'] },
      ],
    });
    const m = buildMatrix([twice], { ...DEFAULT_OPTIONS, rowField: 'day', columnField: 'hour' });
    expect(m.cells.get('Mon\u00009')).toMatchObject({ value: 5, severity: 'high' });
  });

  it('says which field is missing instead of drawing nothing silently', () => {
    const m = buildMatrix([riskFrame], { ...DEFAULT_OPTIONS, rowField: 'user' });
    expect(m.cells.size).toBe(0);
    expect(m.problem).toMatch(/no field named "user"/);
  });
});

describe('cells', () => {
  it('names tier 0 and keeps small counts visible', () => {
    expect(columnLabel('0', 'Tier ', 'risk_tier')).toBe('No tier');
    expect(columnLabel('3', 'Tier ', 'risk_tier')).toBe('Tier 3');
    expect(intensity(1, 1000)).toBeGreaterThan(0.3);
    expect(intensity(1000, 1000)).toBe(1);
    expect(intensity(0, 10)).toBe(0);
  });

  it('describes a cell with its SOC severity and drills down to the entity with the dashboard time range', () => {
    const cell = { row: 'prompt_attack', column: '4', value: 35, severity: 'critical', link: 'mal lory' };
    expect(describeCell(cell, 'Tier 4')).toBe('prompt_attack · Tier 4: 35 events, highest severity critical (SOC Incident: immediate response); most events from mal lory');
    const replace = (s: string) => s.replace('${__url_time_range}', 'from=1&to=2');
    expect(drilldownHref(DEFAULT_OPTIONS.drilldownUrl, cell, replace)).toBe('/d/aisec-ueba/ueba-entity-drill-down?var-user=mal%20lory&from=1&to=2');
    expect(drilldownHref(DEFAULT_OPTIONS.drilldownUrl, { ...cell, link: null }, replace)).toBeUndefined();
  });
});
