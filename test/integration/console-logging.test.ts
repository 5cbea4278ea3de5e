/**
 * The service's console: on a terminal (a real pseudo-terminal made by util-linux `script`) it prints pino-pretty's
 * colourised lines, JSON when LOG_FORMAT=json or when its output is not a terminal; `/ready` and `/metrics` polls are
 * logged at debug, other requests at info; a LOG_FORMAT it does not know stops it with a configuration error.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { freePort } from '../elasticsearch/embedded.js';
import { testElasticsearchUrl } from '../support/elasticsearch.js';
import { startServiceProcess } from '../support/service-process.js';
import { deletePrefix, KEYS, uniquePrefix } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { Client } from '@elastic/elasticsearch';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const prefixes: string[] = [];
const children = new Set<ChildProcess>();

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  const es = new Client({ node: testElasticsearchUrl() });
  for (const prefix of prefixes) await deletePrefix(es, prefix);
  await es.close();
});

const serviceEnv = (prefix: string, port: number, extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  TERM: 'xterm-256color',
  ES_URL: testElasticsearchUrl(),
  AISEC_INDEX_PREFIX: prefix,
  AISEC_API_KEYS: Object.entries(KEYS).map(([role, key]) => `${role}:${key}`).join(','),
  AISEC_UEBA_REFRESH_INTERVAL: 'off',
  HOST: '127.0.0.1',
  PORT: String(port),
  ...extra,
});

/** The service on a pseudo-terminal; resolves with what the terminal showed once `until` matches it. */
async function onTerminal(extra: Record<string, string>, until: RegExp): Promise<string> {
  const prefix = uniquePrefix('console-tty');
  prefixes.push(prefix);
  const command = `exec ${process.execPath} --import tsx analytics-service/src/main.ts`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: repoRoot, env: serviceEnv(prefix, await freePort(), extra), stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let screen = '';
  child.stdout!.on('data', (d: Buffer) => (screen += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (screen += d.toString()));
  try {
    return await waitFor(`the terminal to show ${until}`, async () => (until.test(screen) ? screen : undefined), 120_000, async () => `it showed:\n${screen.slice(-3000)}`);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    children.delete(child);
  }
}

test('util-linux script is here to make a terminal', () => {
  assert.equal(spawnSync('script', ['--version']).status, 0);
});

test('on a terminal: colourised pino-pretty lines, not JSON', async () => {
  const screen = await onTerminal({}, /Server listening at/);
  assert.notEqual(stripVTControlCharacters(screen), screen, 'ANSI colour codes');
  assert.match(screen, /INFO.*Server listening at http:\/\/127\.0\.0\.1:\d+/);
  assert.doesNotMatch(screen, /\{"level":\d+/);
});

test('on a terminal with LOG_FORMAT=json: JSON lines', async () => {
  const screen = await onTerminal({ LOG_FORMAT: 'json' }, /"msg":"Server listening at/);
  assert.match(screen, /\{"level":30,"time":\d+.*"msg":"Server listening at http:\/\/127\.0\.0\.1:\d+"\}/);
  assert.equal(stripVTControlCharacters(screen), screen, 'no ANSI colour codes');
});

test('not on a terminal: JSON; /ready and /metrics polls at debug, other requests at info', async () => {
  const service = await startServiceProcess({ name: 'console-json', env: { LOG_LEVEL: 'debug' } });
  prefixes.push(service.prefix);
  try {
    for (const path of ['/ready', '/metrics']) assert.equal((await service.request('read', path)).status, 200);
    assert.equal((await service.request('read', '/v1/rules')).status, 200);
    type Line = { level: number; msg: string; reqId?: string; req?: { url: string } };
    const lines = await waitFor('the request log of GET /v1/rules', async () => {
      const parsed = service
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Line);
      return parsed.some((l) => l.msg === 'request completed' && parsed.some((i) => i.reqId === l.reqId && i.req?.url === '/v1/rules')) ? parsed : undefined;
    });
    const requestLevels = (url: string) => {
      const ids = new Set(lines.filter((l) => l.msg === 'incoming request' && l.req?.url === url).map((l) => l.reqId));
      return lines.filter((l) => ids.has(l.reqId) && (l.msg === 'incoming request' || l.msg === 'request completed')).map((l) => l.level);
    };
    // pino's levels: 20 debug, 30 info
    assert.deepEqual(requestLevels('/v1/rules'), [30, 30]);
    assert.deepEqual(requestLevels('/metrics'), [20, 20]);
    const ready = requestLevels('/ready');
    assert.ok(ready.length >= 2 && ready.every((level) => level === 20), `/ready polls logged at ${ready.join(', ')}`);
  } finally {
    await service.stop();
  }
});

test('a LOG_FORMAT the service does not know is a configuration error naming the variable', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'analytics-service/src/main.ts'], { cwd: repoRoot, env: serviceEnv('unused', 1, { LOG_FORMAT: 'yaml' }), encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /LOG_FORMAT must be one of json, pretty \(got "yaml"\)/);
});
