/**
 * The single service process is SIGKILLed while its alert pages are on the wire (the receiver holds them
 * unanswered), and restarted on the same data while the receiver is down: the pages stay pending in the outbox
 * across the kill and the downtime, and arrive once the receiver is back — exactly one per alert after
 * de-duplication by delivery id, repeats carrying the same id.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS } from '../support/service.js';
import type { ServiceProcess } from '../support/service-process.js';
import { pagingServices } from '../support/paging-services.js';
import { aisec } from './cli-runner.js';
import { waitFor } from '../support/wait.js';
import type { WebhookReceiver } from '../support/webhook-receiver.js';
import { twoAlertAttack } from '../support/two-alert-attack.js';

let receiver: WebhookReceiver;
const paging = pagingServices('hold', { AISEC_WEBHOOK_BACKOFF_MS: '50', AISEC_WEBHOOK_MAX_BACKOFF_MS: '300', AISEC_WEBHOOK_SCAN_MS: '200' });

before(async () => {
  receiver = await paging.open();
});
after(() => paging.close());

const service = (name: string, prefix?: string): Promise<ServiceProcess> => paging.start(name, prefix);

/** one user's attack: a high prompt_injection_repeated and a high repeated_policy_violations alert */
const attack = (user: string, start: number) => twoAlertAttack(user, start, '192.0.2.90');

interface WebhookStatus {
  pending: number;
  in_flight: number;
  delivering: boolean;
  failed_attempts: number;
}
async function webhookStatus(p: ServiceProcess): Promise<WebhookStatus> {
  const response = await p.request('read', '/v1/detections/status');
  return ((await response.json()) as { webhooks: WebhookStatus }).webhooks;
}

test('pages on the wire at a SIGKILL, and pending through a receiver outage, arrive after the restart, once per alert', async (t) => {
  const first = await service('hookkill');
  const users = ['kill-a', 'kill-b', 'kill-c'];
  const start = Date.now() - 5 * 60_000;
  const ingest = await first.request('ingest', '/v1/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(users.flatMap((u, i) => attack(u, start + i * 1000))),
  });
  assert.equal(ingest.status, 200, await ingest.text());

  // six alerts, six pages: the receiver has read them and answers none
  const onTheWire = await waitFor('six pages held by the receiver', async () => {
    const ids = new Set(receiver.seen.map((d) => d.deliveryId));
    return ids.size >= 6 ? ids : undefined;
  });
  first.kill('SIGKILL');
  await first.exited;
  receiver.release(); // the answers go nowhere
  receiver.mode = 'fail'; // and the receiver goes down for the restart

  const second = await service('hookkill-restarted', first.prefix);
  const down = await waitFor('the restarted service to find the six pages pending and fail to deliver them', async () => {
    const s = await webhookStatus(second);
    return s.delivering && s.pending === 6 && s.failed_attempts >= 6 ? s : undefined;
  });

  // what an on-call engineer sees with `aisec status` meanwhile
  const cli = await aisec(['status'], { AISEC_URL: second.url, AISEC_API_KEY: KEYS.read });
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /^webhooks +1 receiver, 6 pending since \d{4}-\d\d-\d\dT/m);

  receiver.mode = 'accept';
  await waitFor('the outbox to drain', async () => {
    const s = await webhookStatus(second);
    return s.pending === 0 && s.in_flight === 0 ? true : undefined;
  });
  const alerts = ((await (await second.request('read', '/v1/alerts?limit=100')).json()) as { alerts: Array<{ id: string; user_id: string }> }).alerts;
  assert.equal(alerts.length, 6, 'two alerts per attacker, none twice across the kill');
  const pages = receiver.unique();
  assert.equal(pages.length, 6, 'one page per alert after de-duplication by delivery id');
  assert.deepEqual(new Set(pages.map((d) => d.alertId)), new Set(alerts.map((a) => a.id)));
  assert.deepEqual(new Set(pages.map((d) => d.deliveryId)), onTheWire, 'the restarted service sent the same delivery ids');
  assert.ok(pages.every((d) => d.type === 'alert.created'));
  t.diagnostic(
    `webhook-kill: alerts 6, pages on the wire at the kill ${onTheWire.size}, failed attempts while the receiver was down ${down.failed_attempts}, ` +
      `pages accepted ${receiver.accepted.length} (${receiver.accepted.length - pages.length} repeats with the same id), distinct ${pages.length}`,
  );
});
