/**
 * The `aisec` CLI as a child process against the real service (listening on a port) and real Elasticsearch:
 * helpful errors, events list/tail, retro-hunt with alert triage, backfill with rejects and the 503/Retry-After
 * contract, baselines, content pack, demo range mode.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { streamClients } from '../support/metrics.js';
import { KEY_NAMES, KEYS, postEvents, startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { aisec } from './cli-runner.js';

let service: TestService;
let base: string;
let work: string;
const T0 = Date.parse('2026-02-09T10:00:00Z');

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'aisec-cli-'));
  service = await startTestService('cli', { AISEC_DETECTION_STREAMING: 'false' });
  base = await service.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await service?.close();
  await rm(work, { recursive: true, force: true });
});

const run = (args: string[], key: keyof typeof KEYS | null = 'admin', url = base) => aisec(args, { AISEC_URL: url, AISEC_API_KEY: key ? KEYS[key] : undefined });

test('errors say what to do: service unreachable, key missing or refused, role too weak', async () => {
  const closed = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const unreachable = await run(['alerts', 'list'], 'read', `http://127.0.0.1:${closed}`);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, new RegExp(`cannot reach the analytics service at http://127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)\\. Is it running\\? Start it with \`npm start\``));
  const noKey = await run(['alerts', 'list'], null);
  assert.match(noKey.stderr, /AISEC_API_KEY is not set and this command needs a key with role "read"/);
  const wrongKey = await aisec(['alerts', 'list'], { AISEC_URL: base, AISEC_API_KEY: 'not-a-real-key-123456' });
  assert.match(wrongKey.stderr, /the service refused the API key/);
  const weak = await run(['detections', 'run', '--from', '2026-02-01T00:00:00Z'], 'read');
  assert.equal(weak.code, 1);
  assert.match(weak.stderr, /this command needs a key with role "admin"/);
  const usage = await run(['content-pack', '--format', 'pdf'], 'read');
  assert.equal(usage.code, 2);
  const status = await run(['status'], 'read');
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /ready/);
});

test('backfill: gzip and plain NDJSON in batches, rejects reported by file and line, replays are duplicates', async () => {
  const good = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ timestamp: new Date(T0 + i * 1000).toISOString(), category: i % 50 === 0 ? 'prompt_attack' : 'request', user_id: `bf-${i % 9}`, src_ip: '10.1.1.1', event_id: `bf-${i}` }));
  await writeFile(join(work, 'a.ndjson.gz'), gzipSync(good.slice(0, 2000).join('\n') + '\n'));
  await writeFile(join(work, 'b.ndjson'), [...good.slice(2000), '', '{"timestamp": oops}', JSON.stringify({ category: 'request' })].join('\n') + '\n');
  const result = await run(['backfill', join(work, 'a.ndjson.gz'), join(work, 'b.ndjson'), '--batch', '700', '--errors-file', join(work, 'rejects.ndjson'), '--json'], 'ingest');
  assert.equal(result.code, 3, 'exit 3: some events were rejected');
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.lines, 2502);
  assert.equal(summary.accepted, 2500);
  assert.equal(summary.rejected, 2);
  assert.equal(summary.batches, 4);
  const files = summary.rejects.map((r: { file: string; line: number }) => `${r.file.split('/').at(-1)}:${r.line}`);
  assert.deepEqual([...new Set(files)], ['b.ndjson:502', 'b.ndjson:503'], 'line numbers count blank lines as the file does');
  const rejects = (await readFile(join(work, 'rejects.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(rejects.some((r) => r.field === 'timestamp' && r.line === 503));

  const again = await run(['backfill', join(work, 'a.ndjson.gz'), '--json'], 'ingest');
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).duplicates, 2000);
});

test('backfill follows the 503 + Retry-After contract: waits, resends the whole batch, stores everything once', async () => {
  // a proxy that refuses the first two ingest requests the way the service does when Elasticsearch cannot take writes
  let refused = 0;
  const proxy: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === 'POST' && refused < 2) {
      refused++;
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      return res.end(JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'Elasticsearch is unavailable (bulk write)' }));
    }
    const upstream = await fetch(base + req.url, { method: req.method, headers: req.headers as Record<string, string>, body: chunks.length ? Buffer.concat(chunks) : undefined });
    res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  try {
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ timestamp: new Date(T0 + 86_400_000 + i).toISOString(), category: 'request', event_id: `retry-${i}` }));
    await writeFile(join(work, 'retry.ndjson'), lines.join('\n'));
    const started = Date.now();
    const result = await run(['backfill', join(work, 'retry.ndjson'), '--json'], 'ingest', url);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(Date.now() - started >= 2000, 'waited Retry-After between attempts');
    const summary = JSON.parse(result.stdout);
    assert.deepEqual([summary.accepted, summary.duplicates, summary.rejected, summary.retries], [300, 0, 0, 2]);
    assert.match(result.stderr, /retrying in 1 s/);
  } finally {
    proxy.close();
  }
});

test('events list and a live tail with filters', async () => {
  const list = await run(['events', 'list', '--from', new Date(T0).toISOString(), '--to', new Date(T0 + 3_600_000).toISOString(), '--category', 'prompt_attack', '--json'], 'read');
  assert.equal(list.code, 0, list.stderr);
  const page = JSON.parse(list.stdout);
  assert.ok(page.events.length > 0 && page.events.every((e: { category: string }) => e.category === 'prompt_attack'));
  const table = await run(['events', 'list', '--from', new Date(T0).toISOString(), '--to', new Date(T0 + 3_600_000).toISOString(), '--limit', '5'], 'read');
  assert.match(table.stdout, /^time\s+severity\s+category/);

  const streamsBefore = await streamClients(service);
  const tail = run(['events', 'tail', '--decision', 'block', '--max-events', '2', '--json'], 'read');
  // the stream starts at the moment it opens: post only once the service counts it
  await waitFor('the tail to open its stream', async () => ((await streamClients(service)) > streamsBefore ? true : undefined), 30_000);
  const now = Date.now();
  await postEvents(service, [
    { timestamp: new Date(now).toISOString(), category: 'guardrail_block', decision: 'block', user_id: 'tail-1', event_id: 'tail-1' },
    { timestamp: new Date(now).toISOString(), category: 'request', decision: 'allow', user_id: 'tail-2', event_id: 'tail-2' },
    { timestamp: new Date(now).toISOString(), category: 'prompt_attack', decision: 'block', user_id: 'tail-3', event_id: 'tail-3' },
  ]);
  const tailed = await tail;
  assert.equal(tailed.code, 0, tailed.stderr);
  assert.deepEqual(tailed.stdout.trim().split('\n').map((l) => JSON.parse(l).event_id), ['tail-1', 'tail-3']);
});

test('detections run with progress, then alerts list, show, ack and resolve', async () => {
  const burst = Array.from({ length: 6 }, (_, i) => ({ timestamp: new Date(T0 + 86_400_000 + 3_600_000 + i * 60_000).toISOString(), category: 'prompt_attack', user_id: 'cli-attacker', src_ip: '10.66.0.1', event_id: `cli-pa-${i}` }));
  assert.equal((await postEvents(service, burst)).statusCode, 200);
  const hunt = await run(['detections', 'run', '--from', new Date(T0 - 3_600_000).toISOString(), '--to', new Date(T0 + 2 * 86_400_000).toISOString(), '--rules', 'prompt_injection_repeated,repeated_policy_violations', '--json']);
  assert.equal(hunt.code, 0, hunt.stderr);
  const result = JSON.parse(hunt.stdout);
  assert.equal(result.status, 'succeeded');
  assert.ok(result.created >= 1);

  const listed = await run(['alerts', 'list', '--since', '400d', '--rule', 'prompt_injection_repeated', '--json'], 'read');
  const alert = JSON.parse(listed.stdout).alerts[0];
  assert.ok(alert, listed.stdout);
  const table = await run(['alerts', 'list', '--since', '400d'], 'read');
  assert.match(table.stdout, new RegExp(alert.id.slice(0, 12)));

  const ack = await run(['alerts', 'ack', alert.id.slice(0, 12), '--note', 'looking', '--actor', 'analyst-1']);
  assert.equal(ack.code, 0, ack.stderr);
  const resolved = await run(['alerts', 'resolve', alert.id, '--resolution', 'false_positive', '--note', 'pen test', '--json']);
  assert.equal(JSON.parse(resolved.stdout).status, 'closed');
  const shown = await run(['alerts', 'show', alert.id, '--json'], 'read');
  const detail = JSON.parse(shown.stdout);
  assert.equal(detail.alert.resolution, 'false_positive');
  assert.deepEqual(
    detail.alert.history.filter((h: { action: string }) => h.action === 'triage').map((h: { status: string; actor: string; on_behalf_of?: string }) => `${h.actor}/${h.on_behalf_of}:${h.status}`),
    [`${KEY_NAMES.admin}/analyst-1:acknowledged`, `${KEY_NAMES.admin}/${detail.alert.history.at(-1).on_behalf_of}:closed`],
  );
  assert.ok(detail.evidence.length > 0);
  const text = await run(['alerts', 'show', alert.id], 'read');
  assert.match(text.stdout, /evidence/);
  const badResolution = await run(['alerts', 'resolve', alert.id, '--resolution', 'maybe']);
  assert.equal(badResolution.code, 2);
});

test('baselines, content pack and demo range mode', async () => {
  const baselines = await run(['baselines', 'show', 'users', '--json'], 'read');
  assert.equal(baselines.code, 0, baselines.stderr);
  assert.ok(Array.isArray(JSON.parse(baselines.stdout).baselines));
  const unknownKind = await run(['baselines', 'show', 'planets'], 'read');
  assert.equal(unknownKind.code, 2);

  const sigma = await run(['content-pack', '--format', 'sigma', '--rules', 'guardrail_bypass'], 'read');
  assert.equal(sigma.code, 0, sigma.stderr);
  assert.match(sigma.stdout, /title:/);
  await run(['content-pack', '--format', 'spl', '--out', join(work, 'pack.spl')], 'read');
  assert.match(await readFile(join(work, 'pack.spl'), 'utf8'), /index=/);

  const demo = await run(['demo', '--from', '2026-01-05T08:00:00Z', '--to', '2026-01-05T12:00:00Z', '--rate', '0.5', '--users', '20', '--json'], 'ingest');
  assert.equal(demo.code, 0, demo.stderr);
  const sent = JSON.parse(demo.stdout);
  assert.ok(sent.accepted > 100 && sent.rejected === 0, demo.stdout);
  const out = await run(['demo', '--from', '2026-01-05T08:00:00Z', '--to', '2026-01-05T12:00:00Z', '--rate', '0.5', '--users', '20', '--out', join(work, 'demo.ndjson')], 'ingest');
  assert.equal(out.code, 0, out.stderr);
  const replay = await run(['backfill', join(work, 'demo.ndjson'), '--json'], 'ingest');
  assert.equal(JSON.parse(replay.stdout).duplicates, sent.accepted, 'the same seed writes the same events');
});

test('with no key given, a local service is reached with the role-matched key `npm start` wrote', async () => {
  const dataDir = join(work, 'data');
  await import('node:fs/promises').then((fs) => fs.mkdir(dataDir, { recursive: true }));
  await writeFile(join(dataDir, 'api-keys.env'), `AISEC_API_KEYS=ingest:${KEYS.ingest},read:${KEYS.read},admin:${KEYS.admin}\n`, { mode: 0o600 });
  const listed = await aisec(['alerts', 'list', '--json'], { AISEC_URL: base, AISEC_DATA_DIR: dataDir });
  assert.equal(listed.code, 0, listed.stderr);
  const remote = await aisec(['alerts', 'list'], { AISEC_URL: base.replace('127.0.0.1', 'aisec.invalid'), AISEC_DATA_DIR: dataDir });
  assert.notEqual(remote.code, 0, 'never sent to another host');
});
