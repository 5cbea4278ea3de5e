/**
 * Alert webhooks to a real local HTTP server, delivered from the outbox stored with the alerts: HMAC-SHA256
 * signature over timestamp and raw body, retries with backoff, severity floor, stable delivery ids, detection that
 * never waits for the receiver, a receiver that is down far longer than the old retry budget still getting every
 * notification once it returns, expiry by age, and a restart with notifications pending.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deletePrefix, postEvents, startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'webhook-secret-for-tests-0123456789';

let receiver: WebhookReceiver;
let service: TestService;
const services: TestService[] = [];

const settings = (url: string) => ({
  AISEC_DETECTION_STREAMING: 'false',
  AISEC_WEBHOOK_URLS: url,
  AISEC_WEBHOOK_SECRET: SECRET,
  AISEC_WEBHOOK_MIN_SEVERITY: 'high',
  AISEC_WEBHOOK_BACKOFF_MS: '50',
  AISEC_WEBHOOK_MAX_BACKOFF_MS: '200',
  AISEC_WEBHOOK_SCAN_MS: '200',
  AISEC_WEBHOOK_TIMEOUT_MS: '2000',
});

async function start(name: string, env: Record<string, string>): Promise<TestService> {
  const s = await startTestService(name, env);
  services.push(s);
  return s;
}

before(async () => {
  receiver = await startWebhookReceiver({ secret: SECRET });
  service = await start('dethooks', settings(receiver.url));
});
after(async () => {
  for (const s of services) await s.close();
  await receiver.close();
});

const hunt = (s: TestService, day: string) =>
  s.request('admin', { method: 'POST', url: '/v1/detections/run', payload: { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z`, rules: ['prompt_injection_repeated'] } });
/** n prompt attacks by one user within a minute: > 3 is medium, > 5 high, > 10 critical (seed 001 §1's ladder) */
const attack = (user: string, day: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ timestamp: `${day}T10:00:${String(i).padStart(2, '0')}Z`, category: 'prompt_attack', user_id: user, src_ip: '192.0.2.50', event_id: `${user}-${day}-${i}` }));

interface WebhookStatus {
  delivering: boolean;
  pending: number;
  oldest_pending_at?: string;
  delivered: number;
  failed_attempts: number;
  expired: number;
  signed: boolean;
}
const status = async (s: TestService): Promise<WebhookStatus> => (await s.request('read', { method: 'GET', url: '/v1/detections/status' })).json().webhooks;

/** the outbox records of the stored alert, read from Elasticsearch itself */
async function storedOutbox(s: TestService, alertId: string) {
  const doc = await s.es.get<{ notifications?: Array<{ id: string; state: string; kind: string }>; notifications_pending?: string[] }>({ index: `${s.prefix}-alerts`, id: alertId });
  return doc._source!;
}

test('alerts at or above the severity floor are posted, signed, after retries; lower ones are not', async () => {
  receiver.mode = 'fail';
  await postEvents(service, [...attack('hi', '2026-04-01', 7), ...attack('lo', '2026-04-01', 4)]);
  const started = Date.now();
  const run = await hunt(service, '2026-04-01');
  assert.equal(run.statusCode, 200);
  assert.equal(run.json().created, 2);
  assert.ok(Date.now() - started < 10_000, 'detection did not wait for the receiver');

  await waitFor('two failed attempts', async () => (receiver.attempts() >= 2 ? true : undefined), 15_000);
  receiver.mode = 'accept';
  const [delivery] = await waitFor('a delivery', async () => (receiver.accepted.length >= 1 ? receiver.accepted : undefined), 15_000);
  assert.equal(receiver.attempts(), receiver.seen.length);
  assert.ok(receiver.attempts() >= 3, 'failed attempts, then delivered');
  assert.equal(delivery!.verified, true, 'X-Aisec-Signature verifies over timestamp and raw body');
  assert.equal(delivery!.headers['content-type'], 'application/json');
  assert.equal(delivery!.type, 'alert.created');
  assert.equal(delivery!.alert.user_id, 'hi');
  assert.equal(delivery!.alert.severity, 'high');
  assert.equal(delivery!.alert.notifications, undefined, 'receivers get the alert without its outbox');
  assert.ok(
    receiver.seen.every((d) => d.deliveryId === delivery!.deliveryId),
    'every attempt of one notification carries the same X-Aisec-Delivery',
  );

  // the outbox on the stored alert says delivered (marked after the receiver's 2xx reaches the service, so wait for
  // it); the medium alert (4 attempts) has no notification at all
  const stored = await waitFor('the stored outbox to mark the delivery', async () => {
    const current = await storedOutbox(service, delivery!.alertId);
    return current.notifications?.every((n) => n.state !== 'pending') ? current : undefined;
  });
  assert.deepEqual(stored.notifications?.map((n) => [n.kind, n.state, n.id]), [['alert.created', 'delivered', delivery!.deliveryId]]);
  assert.equal(stored.notifications_pending, undefined);
  const all = (await service.request('read', { method: 'GET', url: '/v1/alerts?limit=10' })).json().alerts as Array<{ id: string; user_id: string }>;
  const medium = all.find((a) => a.user_id === 'lo')!;
  assert.equal((await storedOutbox(service, medium.id)).notifications, undefined, 'below AISEC_WEBHOOK_MIN_SEVERITY=high: nothing queued');

  const s = await waitFor('the status to count the delivery', async () => {
    const current = await status(service);
    return current.delivered === 1 && current.pending === 0 ? current : undefined;
  });
  assert.ok(s.failed_attempts >= 2);
  assert.equal(s.signed, true);
  assert.equal(s.delivering, true, 'with streaming off, the outbox takes the lease itself');
});

test('an episode that climbs the ladder is posted again as severity_raised', async () => {
  await postEvents(service, attack('lo', '2026-04-01', 12).slice(4).map((e) => ({ ...e, event_id: `${e.event_id}-more` })));
  const run = await hunt(service, '2026-04-01');
  assert.equal(run.json().updated, 1);
  const raised = await waitFor('severity_raised delivery', async () => receiver.accepted.find((d) => d.type === 'alert.severity_raised'));
  assert.equal(raised.alert.user_id, 'lo');
  assert.equal(raised.severity, 'critical');
  assert.equal(raised.alert.severity, 'critical');
  assert.ok(receiver.accepted.every((d) => d.verified));
});

test('a receiver down far longer than any retry budget gets every notification once it returns, each once', async () => {
  receiver.mode = 'fail';
  const before = receiver.accepted.length;
  const seenBefore = receiver.seen.length;
  const users = Array.from({ length: 8 }, (_, i) => `down-${i}`);
  await postEvents(service, users.flatMap((u) => attack(u, '2026-04-02', 6)));
  const started = Date.now();
  const run = await hunt(service, '2026-04-02');
  assert.equal(run.json().created, users.length);
  assert.ok(Date.now() - started < 10_000, 'the hunt did not wait for the receiver');
  // the old in-memory queue gave up on a notification after 6 attempts: wait for far more than that per notification
  const tries = () => {
    const perDelivery = new Map<string, number>();
    for (const d of receiver.seen.slice(seenBefore)) perDelivery.set(d.deliveryId, (perDelivery.get(d.deliveryId) ?? 0) + 1);
    return perDelivery;
  };
  const down = await waitFor(
    'the receiver to refuse every notification 10 times',
    async () => {
      const perDelivery = tries();
      if (perDelivery.size < users.length || [...perDelivery.values()].some((n) => n < 10)) return undefined;
      const s = await status(service);
      return s.pending === users.length ? s : undefined;
    },
    60_000,
  );
  assert.equal(down.expired, 0);
  assert.ok(down.oldest_pending_at, 'status names the oldest pending notification');
  assert.equal(receiver.accepted.length, before, 'nothing got through while the receiver was down');

  receiver.mode = 'accept';
  await waitFor('all eight', async () => (receiver.accepted.length - before >= users.length ? true : undefined), 30_000);
  await waitFor('the outbox to drain', async () => ((await status(service)).pending === 0 ? true : undefined));
  const got = receiver.accepted.slice(before);
  assert.deepEqual(got.map((d) => d.alert.user_id).sort(), [...users].sort());
  assert.equal(new Set(got.map((d) => d.deliveryId)).size, got.length, 'no notification twice');
});

test('a notification undelivered past AISEC_WEBHOOK_MAX_AGE is given up, counted and no longer pending', async () => {
  const dead = await startWebhookReceiver({ mode: 'fail' });
  try {
    const short = await start('hookage', { ...settings(dead.url), AISEC_WEBHOOK_MAX_AGE: '2s' });
    await postEvents(short, attack('stale', '2026-04-03', 6));
    assert.equal((await hunt(short, '2026-04-03')).json().created, 1);
    const s = await waitFor('expiry', async () => {
      const current = await status(short);
      return current.expired === 1 && current.pending === 0 ? current : undefined;
    });
    assert.ok(s.failed_attempts >= 1);
    const metrics = (await short.request('read', { method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /^aisec_webhook_deliveries_total\{outcome="expired"\} 1$/m);
    const alerts = (await short.request('read', { method: 'GET', url: '/v1/alerts' })).json().alerts as Array<{ id: string }>;
    assert.deepEqual((await storedOutbox(short, alerts[0]!.id)).notifications?.map((n) => n.state), ['expired']);
  } finally {
    await dead.close();
  }
});

test('a restarted service delivers what it left pending, with the same delivery ids', async () => {
  const later = await startWebhookReceiver({ mode: 'fail' });
  try {
    const first = await startTestService('hookrestart', settings(later.url));
    await postEvents(first, [...attack('restart-a', '2026-04-04', 6), ...attack('restart-b', '2026-04-04', 6)]);
    assert.equal((await hunt(first, '2026-04-04')).json().created, 2);
    await waitFor('attempts on both', async () => (new Set(later.seen.map((d) => d.deliveryId)).size === 2 ? true : undefined));
    const pendingIds = new Set(later.seen.map((d) => d.deliveryId));
    await first.app.close(); // the data stays: a second service takes over the same prefix
    later.mode = 'accept';
    const second = await start('hookrestart2', { ...settings(later.url), AISEC_INDEX_PREFIX: first.prefix });
    await waitFor('both delivered after the restart', async () => (later.unique().length === 2 ? true : undefined));
    assert.deepEqual(new Set(later.unique().map((d) => d.deliveryId)), pendingIds, 'the same delivery ids as before the restart');
    await waitFor('the outbox to drain', async () => ((await status(second)).pending === 0 ? true : undefined));
    await deletePrefix(first.es, first.prefix);
    await first.es.close();
  } finally {
    await later.close();
  }
});
