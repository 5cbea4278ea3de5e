/**
 * Event streams are bounded per API key (issue 12, finding 7): past AISEC_MAX_STREAMS_PER_KEY open streams a key gets
 * 429 + Retry-After, other keys keep their own budget, a closed stream frees its place; a bad Last-Event-ID or since is
 * a 400 before any stream opens. Over real HTTP, against real Elasticsearch.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

let service: TestService;
let base: string;
const opened: AbortController[] = [];

before(async () => {
  service = await startTestService('streamlimit', { AISEC_MAX_STREAMS_PER_KEY: '3', AISEC_DETECTION_STREAMING: 'false' });
  base = await service.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  for (const c of opened) c.abort();
  await service?.close();
});

async function open(key: string, query = '', headers: Record<string, string> = {}) {
  const controller = new AbortController();
  opened.push(controller);
  const response = await fetch(`${base}/v1/events/stream?${query}`, { headers: { authorization: `Bearer ${key}`, ...headers }, signal: controller.signal });
  if (!response.ok) await response.text();
  return { response, close: () => controller.abort() };
}

test('one key holds at most AISEC_MAX_STREAMS_PER_KEY streams; the next gets 429, other keys are unaffected, a closed one frees its place', async () => {
  const streams = [await open(KEYS.read), await open(KEYS.read), await open(KEYS.read)];
  for (const s of streams) assert.equal(s.response.status, 200);
  const refused = await open(KEYS.read);
  assert.equal(refused.response.status, 429);
  assert.equal(refused.response.headers.get('retry-after'), '30');
  const adminStream = await open(KEYS.admin);
  assert.equal(adminStream.response.status, 200, 'another key has its own budget');

  streams[0]!.close();
  // the server notices the closed socket on its own schedule: wait until a new stream is admitted
  await waitFor(
    'a place freed by the closed stream',
    async () => ((await open(KEYS.read)).response.status === 200 ? true : undefined),
    15_000,
  );
  assert.equal((await open(KEYS.read)).response.status, 429, 'still three at most');
});

test('a bad Last-Event-ID or since is a 400 before any stream opens', async () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  for (const [query, headers] of [
    ['since=999999w', {}],
    ['since=0m', {}],
    ['', { 'last-event-id': b64('[1e999,"x"]') }],
    ['', { 'last-event-id': b64('[9e15,"x"]') }],
    ['', { 'last-event-id': 'garbage!' }],
  ] as Array<[string, Record<string, string>]>) {
    const { response } = await open(KEYS.admin, query, headers);
    assert.equal(response.status, 400, `${query} ${JSON.stringify(headers)}`);
  }
});
