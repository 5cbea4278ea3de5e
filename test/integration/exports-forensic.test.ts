/**
 * Forensic exports against real Elasticsearch and a real export directory: a consistent snapshot written to
 * read-only NDJSON files whose SHA-256 hashes the manifest (on disk and in the exports index) records; large exports
 * run in the background with progress; `aisec export verify` recomputes everything and fails on a tampered file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { KEY_NAMES, KEYS, ndjson, postEvents, startTestService, type TestService } from '../support/service.js';
import { aisec } from './cli-runner.js';
import { waitFor } from '../support/wait.js';

let service: TestService;
let dir: string;
let base: string;
const T0 = Date.parse('2026-02-10T00:00:00Z');

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aisec-exports-'));
  service = await startTestService('exports', { AISEC_EXPORT_DIR: dir, AISEC_EXPORT_SYNC_MAX_EVENTS: '1000', AISEC_EXPORT_EVENTS_PER_FILE: '1000', AISEC_DETECTION_STREAMING: 'false' });
  base = await service.app.listen({ port: 0, host: '127.0.0.1' });
  const events = Array.from({ length: 2500 }, (_, i) => ({
    timestamp: new Date(T0 + i * 1000).toISOString(),
    category: i % 10 === 0 ? 'prompt_attack' : 'request',
    user_id: i % 5 === 0 ? 'suspect@example.com' : `user${i % 7}@example.com`,
    event_id: `exp-evt-${String(i).padStart(5, '0')}`,
    tokens_out: i,
  }));
  for (let i = 0; i < events.length; i += 1000) assert.equal((await postEvents(service, ndjson(events.slice(i, i + 1000)), 'application/x-ndjson')).statusCode, 200);
});

after(async () => {
  await service?.close();
  // exports are read-only by design: make them writable again to clean up
  for (const entry of await readdir(dir).catch(() => [])) await chmod(join(dir, entry), 0o755).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], key: keyof typeof KEYS = 'admin') => aisec(args, { AISEC_URL: base, AISEC_API_KEY: KEYS[key] });

test('a small export answers when done, with a manifest that matches the read-only files on disk', async () => {
  const response = await service.request('admin', {
    method: 'POST',
    url: '/v1/exports',
    payload: { from: new Date(T0).toISOString(), to: new Date(T0 + 3_600_000).toISOString(), filters: { user_id: 'suspect@example.com' }, description: 'Incident investigation - IR-2026-042', requested_by: 'analyst-7' },
  });
  assert.equal(response.statusCode, 201, response.body);
  const manifest = JSON.parse(response.body);
  assert.equal(manifest.status, 'completed');
  assert.equal(manifest.event_count, 500);
  assert.equal(manifest.created_by, KEY_NAMES.admin, 'the export is recorded under the name of the key that made it');
  assert.equal(manifest.requested_by, 'analyst-7');
  assert.deepEqual(manifest.query.filters, { user_id: 'suspect@example.com' });
  assert.equal(response.headers.location, `/v1/exports/${manifest.id}`);

  const exportDir = join(dir, manifest.id);
  assert.equal((await stat(exportDir)).mode & 0o777, 0o555, 'the directory is read-only');
  assert.deepEqual((await readdir(exportDir)).sort(), ['SHA256SUMS', 'events-000001.ndjson.gz', 'manifest.json']);
  const file = await readFile(join(exportDir, 'events-000001.ndjson.gz'));
  assert.equal((await stat(join(exportDir, 'events-000001.ndjson.gz'))).mode & 0o777, 0o444, 'files are read-only');
  assert.equal(sha256(file), manifest.files[0].sha256);
  const sums = await readFile(join(exportDir, 'SHA256SUMS'), 'utf8');
  assert.equal(sums, `${manifest.files[0].sha256}  events-000001.ndjson.gz\n`);
  assert.equal(manifest.sha256, sha256(sums), 'the export hash is the hash of SHA256SUMS');
  assert.deepEqual(JSON.parse(await readFile(join(exportDir, 'manifest.json'), 'utf8')), manifest);

  // the same manifest is in the exports index
  const stored = await service.es.get({ index: `${service.prefix}-exports`, id: manifest.id });
  const { '@timestamp': _ts, ...source } = stored._source as Record<string, unknown>;
  assert.deepEqual(source, manifest);

  // the events: all of the suspect's, in time order, in the contract shape — and ingestible again (as duplicates)
  const lines = gunzipSync(file).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { timestamp: string; user_id: string; event_id: string });
  assert.equal(lines.length, 500);
  assert.ok(lines.every((e) => e.user_id === 'suspect@example.com'));
  assert.deepEqual(lines.map((e) => e.timestamp), [...lines.map((e) => e.timestamp)].sort());
  const replay = await postEvents(service, ndjson(lines), 'application/x-ndjson');
  assert.equal(JSON.parse(replay.body).duplicates, 500);

  // download: the bytes and the advertised hash match the manifest
  const download = await service.request('read', { method: 'GET', url: `/v1/exports/${manifest.id}/files/events-000001.ndjson.gz` });
  assert.equal(download.statusCode, 200);
  assert.equal(download.headers['x-aisec-sha256'], manifest.files[0].sha256);
  assert.equal(sha256(download.rawPayload), manifest.files[0].sha256);
  assert.equal((await service.request('read', { method: 'GET', url: `/v1/exports/${manifest.id}/files/..%2Fmanifest.json` })).statusCode, 400);
  assert.equal((await service.request('read', { method: 'GET', url: `/v1/exports/${manifest.id}/files/other.ndjson` })).statusCode, 404);
});

test('a large export runs in the background with progress and splits into files', async () => {
  const created = await service.request('admin', { method: 'POST', url: '/v1/exports', payload: { since: '400d', description: 'Forensic preservation - IR-2026-042 - DO NOT DELETE', compression: 'none' } });
  assert.equal(created.statusCode, 202, created.body);
  let manifest = JSON.parse(created.body);
  assert.equal(manifest.status, 'running');
  assert.ok(manifest.progress.events_total >= 2500);
  const id = manifest.id as string;
  manifest = await waitFor(`export ${id} to finish`, async () => {
    const current = JSON.parse((await service.request('read', { method: 'GET', url: `/v1/exports/${id}` })).body);
    return current.status === 'running' ? undefined : current;
  }, 60_000);
  assert.equal(manifest.status, 'completed', JSON.stringify(manifest));
  assert.equal(manifest.progress, undefined);
  assert.ok(manifest.event_count >= 2500);
  assert.deepEqual(manifest.files.map((f: { name: string }) => f.name).slice(0, 3), ['events-000001.ndjson', 'events-000002.ndjson', 'events-000003.ndjson']);
  assert.equal(manifest.files[0].events, 1000);
  const list = JSON.parse((await service.request('read', { method: 'GET', url: '/v1/exports' })).body);
  assert.equal(list.exports[0].id, manifest.id, 'newest first');
});

test('exports cannot be changed through the API, and only admins create them', async () => {
  const list = JSON.parse((await service.request('read', { method: 'GET', url: '/v1/exports' })).body);
  const id = list.exports[0].id;
  for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
    assert.equal((await service.request('admin', { method, url: `/v1/exports/${id}`, payload: {} })).statusCode, 404, `${method} is no route`);
  }
  assert.equal((await service.request('read', { method: 'POST', url: '/v1/exports', payload: { since: '1h', description: 'x' } })).statusCode, 403);
  assert.equal((await service.request('admin', { method: 'POST', url: '/v1/exports', payload: { description: 'no range' } })).statusCode, 400);
});

test('aisec export create → verify round trip; a tampered export fails verification everywhere', async () => {
  const created = await cli(['export', 'create', '--from', new Date(T0).toISOString(), '--to', new Date(T0 + 600_000).toISOString(), '--category', 'prompt_attack', '--description', 'IR-2026-043', '--json']);
  assert.equal(created.code, 0, created.stderr);
  const manifest = JSON.parse(created.stdout);
  assert.equal(manifest.status, 'completed');
  assert.equal(manifest.event_count, 60);

  const listed = await cli(['export', 'list'], 'read');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`${manifest.id}\\s+completed`));

  const remote = await cli(['export', 'verify', manifest.id], 'read');
  assert.equal(remote.code, 0, remote.stderr + remote.stdout);
  assert.match(remote.stderr, /verified: every hash matches/);
  const local = await cli(['export', 'verify', join(dir, manifest.id), '--json'], 'read');
  assert.equal(local.code, 0, local.stderr);
  assert.equal(JSON.parse(local.stdout).ok, true);
  const download = await cli(['export', 'download', manifest.id, '--out', join(dir, 'copies')], 'read');
  assert.equal(download.code, 0, download.stderr);

  // tamper with one event on disk (an attacker or an accident with enough rights to undo the read-only bits)
  const exportDir = join(dir, manifest.id);
  const file = join(exportDir, 'events-000001.ndjson.gz');
  await chmod(exportDir, 0o755);
  await chmod(file, 0o644);
  const original = gunzipSync(await readFile(file)).toString('utf8');
  const { gzipSync } = await import('node:zlib');
  await writeFile(file, gzipSync(original.replace('"user_id":"suspect@example.com"', '"user_id":"someone-else@example.com"')));

  const server = JSON.parse((await service.request('read', { method: 'GET', url: `/v1/exports/${manifest.id}/verify` })).body);
  assert.equal(server.ok, false);
  assert.match(server.problems.join('\n'), /events-000001\.ndjson\.gz: SHA-256 differs/);

  const remoteAfter = await cli(['export', 'verify', manifest.id], 'read');
  assert.equal(remoteAfter.code, 3, 'exit code 3: verification failed');
  assert.match(remoteAfter.stdout, /FAIL\s+events-000001\.ndjson\.gz/);
  assert.match(remoteAfter.stderr, /FAILED verification/);
  const localAfter = await cli(['export', 'verify', exportDir, '--json'], 'read');
  assert.equal(localAfter.code, 3);
  assert.equal(JSON.parse(localAfter.stdout).ok, false);

  // rewriting the manifest on disk to match does not help: the service's copy disagrees
  const forged = { ...manifest, files: [{ ...manifest.files[0], sha256: sha256(await readFile(file)), bytes: (await stat(file)).size }] };
  await chmod(join(exportDir, 'manifest.json'), 0o644);
  await writeFile(join(exportDir, 'manifest.json'), JSON.stringify(forged));
  const forgedCheck = await cli(['export', 'verify', exportDir, '--json'], 'read');
  assert.equal(forgedCheck.code, 3);
  assert.match(JSON.parse(forgedCheck.stdout).problems.join('\n'), /manifest\.json differs from the manifest the service holds/);
});
