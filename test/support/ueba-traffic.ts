/**
 * Deterministic, seeded traffic for UEBA tests: the "weekly rhythms" profile of the project's one traffic
 * generator (`cli/src/demo/rhythms.ts`), re-exported so that existing imports keep working, plus `ingest`.
 */
import { HOUR_MS, DAY_MS, WEEK_MS } from '../../cli/src/time.js';
import type { TrafficEvent } from '../../cli/src/demo/events.js';
import type { TestService } from './service.js';

export { normal, poisson, seededRandom } from '../../cli/src/demo/random.js';
export { costUsd as cost, type TrafficEvent } from '../../cli/src/demo/events.js';
export { BASE_USER, burst, judgeTraffic, mondayOnOrBefore, rateAt, requestEvent, userTraffic, type RequestOverrides, type UserRhythm } from '../../cli/src/demo/rhythms.js';
export { HOUR_MS as HOUR, DAY_MS as DAY, WEEK_MS as WEEK };

/** Posts events through the real ingest API in chunks, refreshing once at the end. */
export async function ingest(service: TestService, events: TrafficEvent[], chunk = 5000): Promise<void> {
  for (let i = 0; i < events.length; i += chunk) {
    const response = await service.request('ingest', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(events.slice(i, i + chunk)),
    });
    const body = response.json() as { accepted: number; duplicates: number; rejected: number; errors: unknown[] };
    if (response.statusCode !== 200 || body.rejected > 0) {
      throw new Error(`ingest failed (${response.statusCode}): ${JSON.stringify(body.errors?.slice(0, 3) ?? body)}`);
    }
  }
  await service.es.indices.refresh({ index: `${service.prefix}-events` });
}
