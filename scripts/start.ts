/**
 * `npm start`: the analytics service with one command.
 *
 * - ES_URL set: runs the service against that cluster.
 * - ES_URL unset: first starts the embedded Elasticsearch (data kept in .data/elasticsearch), then the service.
 * - No AISEC_API_KEYS and no AISEC_AUTH_DISABLED: creates one key per role in .data/api-keys.env on first start
 *   (mode 0600) and reuses it afterwards, so a newcomer gets a working, authenticated service.
 * SIGINT/SIGTERM stop the service first (in-flight requests finish), then Elasticsearch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDistribution, startEmbeddedElasticsearch, type EmbeddedElasticsearch } from '../test/elasticsearch/embedded.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataRoot = resolve(process.env.AISEC_DATA_DIR ?? join(root, '.data'));
const started = Date.now();
// the service itself picks pino-pretty or JSON (LOG_FORMAT, else whether its output is a terminal); these lines follow suit
const colour = process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.LOG_FORMAT !== 'json';
const log = (line: string) => process.stdout.write(`${colour ? '\x1b[36m[start]\x1b[0m' : '[start]'} ${line}\n`);

function apiKeysFromFile(): string {
  const file = join(dataRoot, 'api-keys.env');
  if (!existsSync(file)) {
    mkdirSync(dataRoot, { recursive: true });
    const keys = ['ingest', 'read', 'admin'].map((role) => `${role}:${randomBytes(24).toString('hex')}`).join(',');
    writeFileSync(file, `AISEC_API_KEYS=${keys}\n`, { mode: 0o600 });
    log(`created API keys (one per role) in ${file}; pass them as "Authorization: Bearer <key>"`);
  } else {
    log(`using API keys from ${file}`);
  }
  const match = /^AISEC_API_KEYS=(.*)$/m.exec(readFileSync(file, 'utf8'));
  if (!match?.[1]) throw new Error(`${file} has no AISEC_API_KEYS line; delete it to have new keys made`);
  return match[1].trim();
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the service did not become ready within ${timeoutMs / 1000} s`);
}

let elasticsearch: EmbeddedElasticsearch | undefined;
let service: ChildProcess | undefined;
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (service && service.exitCode === null) {
      log('stopping the service');
      const exited = new Promise((r) => service!.once('exit', r));
      service.kill('SIGTERM');
      await exited;
    }
    if (elasticsearch) {
      log('stopping Elasticsearch');
      await elasticsearch.stop();
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!env.ES_URL) {
    const dataDir = join(dataRoot, 'elasticsearch');
    mkdirSync(dataDir, { recursive: true });
    log('ES_URL is not set: starting the embedded Elasticsearch (first run downloads it with Maven)');
    const distHome = await ensureDistribution({ log });
    elasticsearch = await startEmbeddedElasticsearch({
      distHome,
      dataDir,
      httpPort: Number(env.AISEC_ES_PORT ?? 9200),
      heap: env.AISEC_ES_HEAP ?? '1g',
    });
    env.ES_URL = elasticsearch.url;
    log(`Elasticsearch at ${elasticsearch.url} (data in ${dataDir})`);
  }
  if (!env.AISEC_API_KEYS && !env.AISEC_AUTH_DISABLED) env.AISEC_API_KEYS = apiKeysFromFile();

  service = spawn(process.execPath, [join(root, 'analytics-service', 'dist', 'main.js')], { stdio: 'inherit', env });
  service.on('exit', (code) => {
    if (!stopping) {
      log(`the service exited with code ${code}`);
      void stop(code ?? 1);
    }
  });
  const url = `http://${env.HOST && env.HOST !== '0.0.0.0' ? env.HOST : '127.0.0.1'}:${env.PORT ?? 8080}`;
  await waitReady(url, 120_000);
  log(`ready at ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s — OpenAPI at ${url}/docs`);
} catch (error) {
  process.stderr.write(`[start] ${(error as Error).message}\n`);
  await stop(1);
}
