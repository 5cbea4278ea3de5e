/**
 * The smaller findings of issue 12 (finding 8), each against the real service and Elasticsearch: gzip bodies are
 * taken and other encodings refused with 415; /v1/query refuses intervals and bucket sizes it cannot compute and keeps
 * any refId; X-Request-Id is reflected only when it looks like an id; an anonymous /ready names neither the cluster nor
 * the templates. (`src_ip` as address or CIDR block: api-client-errors.test.ts.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { countStored, startTestService, type TestService } from '../support/service.js';
import { ELASTICSEARCH_TEXT } from '../support/leaks.js';

let service: TestService;
before(async () => {
  service = await startTestService('edges', { AISEC_BODY_LIMIT_BYTES: String(64 * 1024) });
});
after(async () => service.close());

const events = (tag: string, n = 3) =>
  JSON.stringify(Array.from({ length: n }, (_, i) => ({ timestamp: '2026-03-01T10:00:00Z', category: 'request', event_id: `${tag}-${i}` })));

const post = (payload: Buffer | string, headers: Record<string, string>) =>
  service.request('ingest', { method: 'POST', url: '/v1/events?refresh=true', headers: { 'content-type': 'application/json', ...headers }, payload });

test('Content-Encoding: gzip bodies are decompressed and stored; the body limit applies to the decompressed size', async () => {
  const stored0 = await countStored(service);
  for (const [encoding, tag] of [['gzip', 'gz'], ['x-gzip', 'xgz'], ['GZIP', 'upper']] as const) {
    const response = await post(gzipSync(events(tag)), { 'content-encoding': encoding });
    assert.equal(response.statusCode, 200, `${encoding}: ${response.body}`);
    assert.equal(response.json().accepted, 3);
  }
  const ndjson = await post(gzipSync('{"timestamp":"2026-03-01T10:00:00Z","category":"request","event_id":"nd-0"}\n'), {
    'content-encoding': 'gzip',
    'content-type': 'application/x-ndjson',
  });
  assert.equal(ndjson.json().accepted, 1);
  assert.equal((await countStored(service)) - stored0, 10, 'Elasticsearch holds what was reported accepted');

  // 1 MB of JSON compresses to a few KB: under the 64 KiB limit on the wire, over it decompressed
  const bomb = gzipSync(`[${Array.from({ length: 12_000 }, () => '{"timestamp":"2026-03-01T10:00:00Z","category":"request"}').join(',')}]`);
  assert.ok(bomb.length < 64 * 1024);
  const tooBig = await post(bomb, { 'content-encoding': 'gzip' });
  assert.equal(tooBig.statusCode, 413, tooBig.body.slice(0, 200));

  const corrupt = await post(Buffer.from('definitely not gzip'), { 'content-encoding': 'gzip' });
  assert.equal(corrupt.statusCode, 400);
  assert.match(corrupt.json().message, /not valid gzip data/);
  const truncated = await post(gzipSync(events('cut')).subarray(0, 20), { 'content-encoding': 'gzip' });
  assert.equal(truncated.statusCode, 400, truncated.body);
  assert.equal((await countStored(service)) - stored0, 10);
});

test('deflate, br, compress and stacked encodings are refused with 415 before anything is stored', async () => {
  const stored0 = await countStored(service);
  for (const [encoding, body] of [
    ['deflate', deflateSync(events('deflate'))],
    ['br', brotliCompressSync(events('br'))],
    ['compress', Buffer.from(events('compress'))],
    ['gzip, br', gzipSync(events('stacked'))],
    ['zstd', Buffer.from(events('zstd'))],
  ] as const) {
    const response = await post(body, { 'content-encoding': encoding });
    assert.equal(response.statusCode, 415, `${encoding}: ${response.statusCode} ${response.body}`);
    assert.match(response.json().message, /is not supported: send the body uncompressed or with Content-Encoding: gzip/);
  }
  assert.equal((await countStored(service)) - stored0, 0);
});

test('/v1/query: an absurd intervalMs is a 400, a too-fine bucketSize is that target\'s 400, any refId is kept', async () => {
  const range = { from: '2026-02-01T00:00:00Z', to: '2026-03-02T00:00:00Z' };
  const query = (body: Record<string, unknown>) => service.request('read', { method: 'POST', url: '/v1/query', payload: { range, ...body } });

  const huge = await query({ intervalMs: 1e308, targets: [{ refId: 'A', kind: 'event_volume' }] });
  assert.equal(huge.statusCode, 400, huge.body);
  assert.match(huge.json().message, /intervalMs/);
  const year = await query({ intervalMs: 366 * 86_400_000, targets: [{ refId: 'A', kind: 'event_volume' }] });
  assert.equal(year.statusCode, 200);
  assert.equal(year.json().results.A.status, 200);

  const fine = await query({ targets: [{ refId: 'A', kind: 'judge_score_distribution', bucketSize: 0.00001 }, { refId: 'B', kind: 'judge_score_distribution', bucketSize: 0.001 }] });
  assert.equal(fine.statusCode, 200);
  assert.equal(fine.json().results.A.status, 400, JSON.stringify(fine.json().results.A));
  assert.match(fine.json().results.A.error, /bucketSize/);
  assert.equal(fine.json().results.B.status, 200, 'the finest allowed size is computed');

  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'A'];
  const protoIds = await query({ targets: names.map((refId) => ({ refId, kind: 'risk_matrix' })) });
  assert.equal(protoIds.statusCode, 200);
  const results = JSON.parse(protoIds.body, (key, value) => value).results as Record<string, { status: number }>;
  assert.deepEqual(Object.keys(results).sort(), [...names].sort(), 'every refId is answered, none dropped');
  for (const refId of names) assert.equal(Object.getOwnPropertyDescriptor(results, refId)?.value.status, 200, refId);
  assert.doesNotMatch(protoIds.body + fine.body + huge.body, ELASTICSEARCH_TEXT);
});

test('X-Request-Id is echoed only when it looks like an id; otherwise a fresh one is made', async () => {
  const idOf = async (value: string | undefined) => {
    const response = await service.request('read', { method: 'GET', url: '/v1/rules', headers: value === undefined ? {} : { 'x-request-id': value } });
    return String(response.headers['x-request-id']);
  };
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  assert.equal(await idOf('gw-7f3a.2026:abc/def+1=@x'), 'gw-7f3a.2026:abc/def+1=@x');
  assert.equal(await idOf('x'.repeat(128)), 'x'.repeat(128));
  for (const bad of ['x'.repeat(129), 'x'.repeat(300), '<script>alert(1)</script>', 'a b', 'ünïcode', '"quoted"', '']) {
    const id = await idOf(bad);
    assert.match(id, uuid, `${bad.slice(0, 20)} was replaced`);
  }
  assert.match(await idOf(undefined), uuid);
});

test('anonymous /ready says ready and nothing more; a key holder is told the cluster and the bootstrap', async () => {
  const cluster = (await service.es.cluster.health()).cluster_name;
  const anonymous = await service.request(null, { method: 'GET', url: '/ready' });
  assert.equal(anonymous.statusCode, 200);
  assert.deepEqual(anonymous.json(), { status: 'ready' });
  assert.ok(!anonymous.body.includes(cluster));
  assert.ok(!anonymous.body.includes(service.prefix), 'no template or index name');
  const wrongKey = await service.request(null, { method: 'GET', url: '/ready', headers: { authorization: 'Bearer not-a-key-0000000000000' } });
  assert.deepEqual(wrongKey.json(), { status: 'ready' }, 'an unknown key is treated as anonymous, not refused');
  const known = await service.request('read', { method: 'GET', url: '/ready' });
  assert.equal(known.json().elasticsearch.cluster, cluster);
  assert.ok(known.json().bootstrap);
});
