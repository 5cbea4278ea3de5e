/**
 * GET /v1/events/stream over real HTTP against real Elasticsearch: filtered live delivery in ingest order, each
 * event once, heartbeats, replay with `since`, resume with Last-Event-ID, auth, and a clean end when the service
 * shuts down.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSse, type SseMessage } from '../../cli/src/sse.js';
import { KEYS, postEvents, startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

let service: TestService;
let base: string;

before(async () => {
  service = await startTestService('stream', { AISEC_DETECTION_STREAMING: 'false' });
  base = await service.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => service?.close());

interface Reader {
  next(timeoutMs?: number): Promise<SseMessage | undefined>;
  close(): void;
}

async function open(query: string, headers: Record<string, string> = {}): Promise<{ response: Response; reader: Reader }> {
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/events/stream?${query}`, { headers: { authorization: `Bearer ${KEYS.read}`, ...headers }, signal: controller.signal });
  const iterator = response.ok ? parseSse(response.body!)[Symbol.asyncIterator]() : undefined;
  return {
    response,
    reader: {
      async next(timeoutMs = 10_000) {
        for (;;) {
          const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs));
          const item = await Promise.race([iterator!.next(), timeout]);
          if (item === 'timeout' || item.done) return undefined;
          // retry fields, and warnings about a slow shared Elasticsearch, are not what these tests look at
          if ('retry' in item.value || item.value.event === 'warning') continue;
          return item.value;
        }
      },
      close: () => controller.abort(),
    },
  };
}

const event = (id: string, fields: Record<string, unknown> = {}) => ({ timestamp: new Date().toISOString(), category: 'prompt_attack', severity: 'high', event_id: id, ...fields });

test('delivers new matching events once, in ingest order, with resumable ids', async () => {
  const { response, reader } = await open('user_id=mallory&severity=high');
  assert.equal(response.status, 200);
  assert.match(String(response.headers.get('content-type')), /^text\/event-stream/);
  assert.ok(response.headers.get('x-request-id'));
  await postEvents(service, [event('s-1', { user_id: 'mallory' }), event('s-2', { user_id: 'bob' }), event('s-3', { user_id: 'mallory', severity: 'low' })]);
  await postEvents(service, [event('s-4', { user_id: 'mallory' })]);
  const first = await reader.next();
  const second = await reader.next();
  assert.equal(first?.event, 'event', first?.data);
  assert.deepEqual([JSON.parse(first!.data).event_id, JSON.parse(second!.data).event_id], ['s-1', 's-4']);
  assert.equal(JSON.parse(first!.data).category, 'prompt_attack', 'data is the event in the contract shape');
  // the re-read overlap never delivers an event twice
  assert.equal(await reader.next(3000), undefined);
  reader.close();

  // resume after the first: only the second comes back
  const resumed = await open('user_id=mallory&severity=high&since=10m', { 'last-event-id': first!.id! });
  const again = await resumed.reader.next();
  assert.equal(JSON.parse(again!.data).event_id, 's-4');
  resumed.reader.close();
});

test('since replays events ingested earlier; heartbeats keep the connection alive', async () => {
  await postEvents(service, [event('r-1', { user_id: 'replay-user' })]);
  const response = await fetch(`${base}/v1/events/stream?user_id=replay-user&since=5m&heartbeat=1`, { headers: { authorization: `Bearer ${KEYS.read}` } });
  const reader = response.body!.getReader();
  let text = '';
  const deadline = Date.now() + 8000;
  while (!(text.includes('r-1') && text.includes(': heartbeat')) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  await reader.cancel();
  assert.match(text, /^retry: 3000\n: connected\n\n/);
  assert.match(text, /"event_id":"r-1"/);
  assert.match(text, /\n: heartbeat \d{4}-/);
});

test('needs a read key; rejects unknown filters', async () => {
  assert.equal((await fetch(`${base}/v1/events/stream`)).status, 401);
  assert.equal((await fetch(`${base}/v1/events/stream`, { headers: { authorization: `Bearer ${KEYS.ingest}` } })).status, 403);
  const bad = await fetch(`${base}/v1/events/stream?colour=red`, { headers: { authorization: `Bearer ${KEYS.read}` } });
  assert.equal(bad.status, 400);
});

test('open streams end with an end event when the service shuts down', async () => {
  const other = await startTestService('stream-close', { AISEC_DETECTION_STREAMING: 'false' });
  const url = await other.app.listen({ port: 0, host: '127.0.0.1' });
  const response = await fetch(`${url}/v1/events/stream`, { headers: { authorization: `Bearer ${KEYS.read}` } });
  const messages: SseMessage[] = [];
  let opened = false;
  const reading = (async () => {
    for await (const item of parseSse(response.body!)) {
      if ('retry' in item) opened = true;
      else messages.push(item);
    }
  })();
  // the service writes `retry:` once it holds the stream among those it ends on shutdown
  await waitFor('the stream to open', async () => (opened ? true : undefined), 10_000);
  const started = Date.now();
  await other.close();
  await reading;
  assert.ok(Date.now() - started < 10_000, 'close does not hang on open streams');
  assert.equal(messages.at(-1)?.event, 'end');
  assert.match(messages.at(-1)!.data, /shutting down/);
});
