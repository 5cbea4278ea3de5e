/**
 * Calls to a service process as a client following the API's contract makes them, for the multi-replica fault tests:
 * a 503 (the replica sheds load while its event loop is overloaded, which repeat runs on a saturated 2-core machine
 * provoke) is retried after its Retry-After.
 */
import assert from 'node:assert/strict';
import type { ServiceProcess } from './service-process.js';

export async function call(p: ServiceProcess, role: 'read' | 'ingest' | 'admin', path: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await p.request(role, path, init);
    if (response.status !== 503 || attempt >= 10) return response;
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? '1') * 1000));
  }
}

/** POST /v1/events; asserts every event was accepted. */
export async function ingest(p: ServiceProcess, events: unknown[]): Promise<void> {
  const response = await call(p, 'ingest', '/v1/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  const body = await response.text();
  assert.equal(response.status, 200, body);
  assert.equal((JSON.parse(body) as { accepted: number }).accepted, events.length);
}

export interface ListedAlert {
  id: string;
  rule_id: string;
  user_id: string;
  event_count: number;
}

/** The first 1 000 alerts, newest first. */
export async function alerts(p: ServiceProcess): Promise<ListedAlert[]> {
  const response = await call(p, 'read', '/v1/alerts?limit=1000');
  assert.equal(response.status, 200);
  return ((await response.json()) as { alerts: ListedAlert[] }).alerts;
}

/** POST /v1/detections/run over `from`..`to` (ms since the epoch) as admin; asserts a 200 and returns what it wrote. */
export async function retroHunt(p: ServiceProcess, from: number, to: number): Promise<{ created: number; updated: number }> {
  const response = await call(p, 'admin', '/v1/detections/run', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: new Date(from).toISOString(), to: new Date(to).toISOString() }),
  });
  const body = await response.text();
  assert.equal(response.status, 200, body);
  return JSON.parse(body) as { created: number; updated: number };
}
