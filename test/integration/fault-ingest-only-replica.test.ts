/**
 * Ingest-only replicas (AISEC_DETECTION_STREAMING=false) behind a load balancer, with streaming on another. While
 * no replica streams, an ingest-only replica takes the streaming lease to deliver the pages (of a retro-hunt); when
 * the streaming replica starts again it takes the lease back at once, streams, and pages. Before, the ingest-only
 * replica kept renewing the lease for delivery and no replica streamed again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceProcess } from '../support/service-process.js';
import { pagingServices } from '../support/paging-services.js';
import { waitFor } from '../support/wait.js';
import type { WebhookReceiver } from '../support/webhook-receiver.js';
import { TWO_ALERT_RULES, twoAlertAttack } from '../support/two-alert-attack.js';

let receiver: WebhookReceiver;
const paging = pagingServices('accept', {
  // the ingest-only replica scans its outbox (and asks for the lease) every 100 ms: it holds the lease when the
  // streaming replica restarts, and wins every race for a free one
  AISEC_WEBHOOK_SCAN_MS: '100',
});

before(async () => {
  receiver = await paging.open();
});
after(() => paging.close());

const service = (name: string, prefix?: string, env: Record<string, string> = {}): Promise<ServiceProcess> => paging.start(name, prefix, env);

/** one user's attack: a high prompt_injection_repeated and a high repeated_policy_violations alert */
const attack = (user: string, start: number) => twoAlertAttack(user, start, '192.0.2.91');

interface Status {
  streaming: { leader: boolean };
  webhooks: { delivering: boolean };
}
async function status(p: ServiceProcess): Promise<Status> {
  return (await (await p.request('read', '/v1/detections/status')).json()) as Status;
}
const roles = async (...replicas: ServiceProcess[]) =>
  (await Promise.all(replicas.map(async (r) => ({ name: r.name, ...(await status(r)) })))).map((s) => `${s.name}: leader ${s.streaming.leader}, delivering ${s.webhooks.delivering}`).join('; ');

async function ingest(p: ServiceProcess, events: unknown[], query = ''): Promise<void> {
  const response = await p.request('ingest', `/v1/events${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  assert.equal(response.status, 200, await response.text());
}

const pagesFor = (user: string) => receiver.unique().filter((d) => d.alert.user_id === user);
const twoPages = (user: string, ...replicas: ServiceProcess[]) =>
  waitFor(`two pages for ${user}`, async () => (pagesFor(user).length === 2 ? true : undefined), 60_000, () => roles(...replicas));

test('an ingest-only replica delivers while no replica streams, and gives the lease back to a streaming replica that starts', async () => {
  const streamer = await service('ingest-only-streamer');
  await waitFor('the streaming replica to hold the lease', async () => ((await status(streamer)).streaming.leader ? true : undefined));
  const ingestOnly = await service('ingest-only', streamer.prefix, { AISEC_DETECTION_STREAMING: 'false' });
  const start = Date.now() - 10 * 60_000;

  // streamed and paged by the streaming replica
  await ingest(ingestOnly, attack('replica-streamed', start));
  await twoPages('replica-streamed', streamer, ingestOnly);

  // no replica streams: a retro-hunt on the ingest-only replica creates the alerts, and it delivers their pages
  await streamer.stop(); // graceful: the lease is released
  await ingest(ingestOnly, attack('replica-hunted', start + 60_000), '?refresh=true'); // searchable for the hunt
  const hunt = await ingestOnly.request('admin', '/v1/detections/run', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: new Date(start).toISOString(), to: new Date().toISOString(), rules: TWO_ALERT_RULES }),
  });
  const huntBody = await hunt.text();
  assert.equal(hunt.status, 200, huntBody);
  assert.equal((JSON.parse(huntBody) as { created: number }).created, 2, huntBody);
  await twoPages('replica-hunted', ingestOnly);
  assert.equal((await status(ingestOnly)).webhooks.delivering, true, 'the ingest-only replica delivers while no replica streams');

  // the streaming replica starts again while the ingest-only one holds the lease: it takes it, streams, and pages
  const restarted = await service('ingest-only-streamer-restarted', streamer.prefix);
  await ingest(ingestOnly, attack('replica-after', start + 120_000));
  await twoPages('replica-after', restarted, ingestOnly);
  await waitFor('the ingest-only replica to stop delivering', async () => ((await status(ingestOnly)).webhooks.delivering ? undefined : true), 30_000, () => roles(restarted, ingestOnly));

  const [streaming, ingestOnlyStatus] = await Promise.all([status(restarted), status(ingestOnly)]);
  assert.equal(streaming.streaming.leader, true);
  assert.equal(streaming.webhooks.delivering, true);
  assert.equal(ingestOnlyStatus.streaming.leader, false);
  assert.equal(receiver.unique().length, 6, 'one page per alert, none twice');
});
