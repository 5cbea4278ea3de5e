/**
 * Demo traffic for the dashboard tests, stored the way a newcomer's `aisec demo --from … --to …` stores it: nine days of
 * the demo generator's organisation and campaigns ingested through the service, UEBA baselines built, a retro-hunt
 * over the range (alerts), then baselines rebuilt so entity risk reflects those alerts. The dashboards are opened
 * with "now" at the end of the range.
 */
import assert from 'node:assert/strict';
import { DemoGenerator } from '../../cli/src/demo/generator.js';
import { ndjson, waitUntilReady, type TestService } from '../support/service.js';
import { DAY_MS as DAY } from '../../cli/src/time.js';

/**
 * The dashboards' "now": the end of the demo range, today 00:00 UTC — entity risk decays with the wall clock
 * (AISEC_RISK_LOOKBACK_DAYS), so demo traffic in the distant past would leave every risk score unset.
 */
export const DEMO_NOW = Math.floor(Date.now() / DAY) * DAY;
export const DEMO_FROM = DEMO_NOW - 9 * DAY;

export interface DemoSummary {
  events: number;
  alerts: number;
}

async function admin(service: TestService, url: string, payload: Record<string, string>): Promise<unknown> {
  const response = await service.request('admin', { method: 'POST', url, payload });
  assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
  return JSON.parse(response.body) as unknown;
}

export async function seedDemoTraffic(service: TestService): Promise<DemoSummary> {
  await waitUntilReady(service);
  const events = new DemoGenerator({ seed: 11, rate: 0.08, users: 30 }).range(DEMO_FROM, DEMO_NOW);
  for (let i = 0; i < events.length; i += 5000) {
    const last = i + 5000 >= events.length;
    const response = await service.request('ingest', { method: 'POST', url: `/v1/events${last ? '?refresh=true' : ''}`, headers: { 'content-type': 'application/x-ndjson' }, payload: ndjson(events.slice(i, i + 5000)) });
    assert.ok(response.statusCode === 200 || response.statusCode === 207, `demo ingest answered ${response.statusCode}: ${response.body.slice(0, 500)}`);
    const body = JSON.parse(response.body) as { rejected: number; errors?: unknown[] };
    assert.equal(body.rejected, 0, `demo events rejected: ${JSON.stringify(body.errors?.slice(0, 3))}`);
  }
  const window = { from: new Date(DEMO_FROM).toISOString(), to: new Date(DEMO_NOW).toISOString() };
  await admin(service, '/v1/baselines/rebuild', window);
  const run = (await admin(service, '/v1/detections/run', window)) as { created: number };
  await admin(service, '/v1/baselines/rebuild', window);
  await service.es.indices.refresh({ index: `${service.prefix}-*` });
  return { events: events.length, alerts: run.created };
}
