import { FieldType } from '@grafana/data';
import { describeHttpError, toDataQueryResponse } from './frames';

describe('toDataQueryResponse', () => {
  it('turns frames into typed DataFrames and failed targets into per-query errors', () => {
    const response = toDataQueryResponse(
      {
        results: {
          A: { status: 200, frames: [{ name: 'judge_flag', fields: [{ name: 'Time', type: 'time', values: [1, 2] }, { name: 'events', type: 'number', values: [3, 4], labels: { category: 'judge_flag' } }] }] },
          B: { status: 400, frames: [], error: 'unknown kind "x"' },
        },
      },
      ['A', 'B', 'C'],
    );
    expect(response.data).toHaveLength(1);
    const frame = response.data[0];
    expect(frame.refId).toBe('A');
    expect(frame.fields[0].type).toBe(FieldType.time);
    expect(frame.fields[1].labels).toEqual({ category: 'judge_flag' });
    expect(frame.length).toBe(2);
    expect(response.errors).toEqual([
      { refId: 'B', message: 'unknown kind "x"', status: 400 },
      { refId: 'C', message: 'the service returned no result for query C' },
    ]);
  });
});

describe('describeHttpError', () => {
  it('tells what to do for a rejected key, a key without the read role and an unreachable service', () => {
    expect(describeHttpError({ status: 401, data: { message: 'unknown API key' } }, 'http://svc')).toMatch(/rejected the API key .*unknown API key/);
    expect(describeHttpError({ status: 403, data: { message: 'needs read' } }, 'http://svc')).toMatch(/lacks the read role/);
    expect(describeHttpError({ status: 502, data: { message: 'connect ECONNREFUSED' } }, 'http://svc')).toMatch(/could not reach the analytics service at http:\/\/svc/);
  });
});
