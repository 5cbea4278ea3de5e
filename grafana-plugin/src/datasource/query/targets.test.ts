import { fixedTemplateSrv } from '../../testing/grafanaProxy';
import type { AisecQuery } from '../types';
import { expandFilter, requestBody, toTarget } from './targets';

const templateSrv = fixedTemplateSrv({ user: ['alice', 'bob'], one: 'carol', all: '__all__', endpoint: '/api/v1/chat' });

describe('toTarget', () => {
  it('expands multi-value variables into exact values and keeps literals', () => {
    const query = { refId: 'A', kind: 'event_volume', groupBy: 'category', user_id: ['$user', 'dave'], category: ['judge_flag'] } as AisecQuery;
    expect(toTarget(query, undefined, templateSrv)).toEqual({ refId: 'A', kind: 'event_volume', groupBy: 'category', user_id: ['alice', 'bob', 'dave'], category: ['judge_flag'] });
  });

  it('drops a filter whose variable is "All", and Grafana’s own fields', () => {
    const query = { refId: 'B', kind: 'alerts', user_id: ['$all'], hide: false, key: 'k', datasource: { uid: 'aisec' }, status: 'open' } as unknown as AisecQuery;
    expect(toTarget(query, undefined, templateSrv)).toEqual({ refId: 'B', kind: 'alerts', status: 'open' });
  });

  it('interpolates single string options such as the entity id', () => {
    const query = { refId: 'C', kind: 'entity_baseline', entityKind: 'user', entityId: '$one' } as AisecQuery;
    expect(toTarget(query, undefined, templateSrv)).toEqual({ refId: 'C', kind: 'entity_baseline', entityKind: 'user', entityId: 'carol' });
  });

  it('leaves empty filters out entirely', () => {
    expect(expandFilter([], undefined, templateSrv)).toBeUndefined();
    expect(expandFilter(['  '], undefined, templateSrv)).toBeUndefined();
    expect(expandFilter(['$endpoint', '$endpoint'], undefined, templateSrv)).toEqual(['/api/v1/chat']);
  });
});

describe('requestBody', () => {
  it('sends the dashboard range as ISO dates with the interval and maxDataPoints', () => {
    const from = Date.parse('2026-02-01T00:00:00Z');
    const to = Date.parse('2026-02-02T00:00:00Z');
    expect(requestBody([], { from: { valueOf: () => from }, to: { valueOf: () => to } }, 60_000.4, 812)).toEqual({
      range: { from: '2026-02-01T00:00:00.000Z', to: '2026-02-02T00:00:00.000Z' },
      intervalMs: 60_000,
      maxDataPoints: 812,
      targets: [],
    });
  });
});
