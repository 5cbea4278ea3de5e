/**
 * Alert webhooks to a real local HTTP server: HMAC-SHA256 signature over timestamp and raw body, retries with
 * backoff after failures, severity floor, and detection that never waits for the receiver.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postEvents, startTestService, type TestService } from '../support/service.js';

const SECRET = 'webhook-secret-for-tests-0123456789';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  verified: boolean;
}

let server: Server;
let url: string;
const received: Received[] = [];
let failuresToServe = 0;
let hang = false;
let attempts = 0;

function verify(headers: IncomingMessage['headers'], body: string): boolean {
  const timestamp = String(headers['x-aisec-timestamp'] ?? '');
  const signature = String(headers['x-aisec-signature'] ?? '');
  const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

let service: TestService;
before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      attempts++;
      if (hang) return; // never answers: the service's request timeout ends each attempt
      if (failuresToServe > 0) {
        failuresToServe--;
        res.writeHead(503).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body, verified: verify(req.headers, body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/aisec`;
  service = await startTestService('dethooks', {
    AISEC_DETECTION_STREAMING: 'false',
    AISEC_WEBHOOK_URLS: url,
    AISEC_WEBHOOK_SECRET: SECRET,
    AISEC_WEBHOOK_MIN_SEVERITY: 'high',
    AISEC_WEBHOOK_BACKOFF_MS: '50',
    AISEC_WEBHOOK_TIMEOUT_MS: '2000',
  });
});
after(async () => {
  await service.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function waitFor(what: string, probe: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const hunt = (day: string) =>
  service.request('admin', { method: 'POST', url: '/v1/detections/run', payload: { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z`, rules: ['prompt_injection_repeated'] } });
const attack = (user: string, day: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ timestamp: `${day}T10:00:${String(i).padStart(2, '0')}Z`, category: 'prompt_attack', user_id: user, src_ip: '192.0.2.50', event_id: `${user}-${day}-${i}` }));

test('alerts at or above the severity floor are posted, signed, after retries; lower ones are not', async () => {
  failuresToServe = 2;
  await postEvents(service, [...attack('hi', '2026-04-01', 7), ...attack('lo', '2026-04-01', 4)]);
  const started = Date.now();
  const run = await hunt('2026-04-01');
  assert.equal(run.statusCode, 200);
  assert.equal(run.json().created, 2);
  assert.ok(Date.now() - started < 10_000, 'detection did not wait for the receiver');

  await waitFor('a delivery', () => received.length >= 1);
  assert.equal(attempts, 3, 'two 503 answers, then delivered');
  const [delivery] = received;
  assert.equal(delivery!.verified, true, 'X-Aisec-Signature verifies over timestamp and raw body');
  assert.equal(delivery!.headers['content-type'], 'application/json');
  assert.ok(delivery!.headers['x-aisec-delivery']);
  const payload = JSON.parse(delivery!.body);
  assert.equal(payload.type, 'alert.created');
  assert.equal(payload.alert.user_id, 'hi');
  assert.equal(payload.alert.severity, 'high');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(received.length, 1, 'the medium alert (4 attempts) stays below AISEC_WEBHOOK_MIN_SEVERITY=high');

  const status = (await service.request('read', { method: 'GET', url: '/v1/detections/status' })).json();
  assert.equal(status.webhooks.delivered, 1);
  assert.equal(status.webhooks.retried, 2);
  assert.equal(status.webhooks.signed, true);
});

test('an episode that climbs the ladder is posted again as severity_raised', async () => {
  await postEvents(service, attack('lo', '2026-04-01', 12).slice(4).map((e) => ({ ...e, event_id: `${e.event_id}-more` })));
  const run = await hunt('2026-04-01');
  assert.equal(run.json().updated, 1);
  await waitFor('severity_raised delivery', () => received.some((r) => JSON.parse(r.body).type === 'alert.severity_raised'));
  const raised = received.map((r) => JSON.parse(r.body)).find((p) => p.type === 'alert.severity_raised');
  assert.equal(raised.alert.user_id, 'lo');
  assert.equal(raised.alert.severity, 'critical');
  assert.ok(received.every((r) => r.verified));
});

test('a receiver that hangs counts failures and never blocks detection', async () => {
  hang = true;
  const before = attempts;
  await postEvents(service, attack('down', '2026-04-02', 6));
  const started = Date.now();
  const run = await hunt('2026-04-02');
  assert.equal(run.json().created, 1);
  // six attempts of 2 s each would hold a blocking implementation for over 12 s
  assert.ok(Date.now() - started < 10_000, 'the hunt did not wait for the receiver');
  await waitFor('six attempts', () => attempts >= before + 6, 30_000);
  const deadline = Date.now() + 15_000;
  let status;
  do {
    await new Promise((r) => setTimeout(r, 200));
    status = (await service.request('read', { method: 'GET', url: '/v1/detections/status' })).json();
  } while (status.webhooks.failed < 1 && Date.now() < deadline);
  assert.equal(status.webhooks.failed, 1, JSON.stringify(status.webhooks));
  hang = false;
});
