/**
 * Test entry point used by `npm test`.
 *
 *   node --import tsx test/run-tests.ts [--list] [node-test-flags...] [files...]
 *
 * Starts an embedded Elasticsearch (unless ES_URL is set), exports ES_URL, and runs the
 * `*.test.ts` files under analytics-service/test/ and test/ — or only the files given — with
 * `node --test`. ES is always stopped afterwards; the exit code is the test run's.
 * Node flags must use the `--flag=value` form (a bare word is taken as a test file).
 * `--list` prints the test files that would run and exits.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants } from 'node:os';
import { ES_VERSION, ensureDistribution, startEmbeddedElasticsearch, type EmbeddedElasticsearch } from './elasticsearch/embedded.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_ROOTS = ['analytics-service/test', 'test'];
const SKIP_DIRS = new Set([resolve(repoRoot, 'test/elasticsearch/target')]);

function findTestFiles(dir: string, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || e.name.startsWith('.') || SKIP_DIRS.has(p)) continue;
      findTestFiles(p, out);
    } else if (e.isFile() && e.name.endsWith('.test.ts')) {
      out.push(p);
    }
  }
  return out;
}

const args = process.argv.slice(2);
const listOnly = args.includes('--list');
const nodeFlags = args.filter((a) => a.startsWith('-') && a !== '--list');
const fileArgs = args.filter((a) => !a.startsWith('-'));
const files = fileArgs.length > 0 ? fileArgs : [...new Set(TEST_ROOTS.flatMap((r) => findTestFiles(resolve(repoRoot, r))))].sort();

if (listOnly) {
  for (const f of files) console.log(relative(repoRoot, resolve(f)));
  process.exit(0);
}
if (files.length === 0) {
  console.log('run-tests: no *.test.ts files found');
  process.exit(0);
}

let es: EmbeddedElasticsearch | undefined;
let child: ReturnType<typeof spawn> | undefined;
let interrupted = 0;

async function finish(code: number): Promise<never> {
  if (es) {
    try {
      await es.stop();
    } catch (e) {
      console.error('run-tests: failed to stop Elasticsearch:', e);
    }
  }
  process.exit(code);
}

function onSignal(signal: NodeJS.Signals): void {
  interrupted++;
  if (interrupted > 1) {
    // Second Ctrl-C: do not wait for anything.
    if (es) {
      try {
        process.kill(-es.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(128 + constants.signals[signal]);
  }
  console.error(`\nrun-tests: ${signal}, stopping tests and Elasticsearch ...`);
  if (child && child.exitCode === null) child.kill(signal);
  else void finish(128 + constants.signals[signal]);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const env = { ...process.env };
if (env.ES_URL) {
  console.log(`run-tests: using external Elasticsearch at ES_URL=${env.ES_URL}`);
} else {
  const started = Date.now();
  try {
    const distHome = await ensureDistribution({ log: (l) => console.log(`run-tests: ${l}`) });
    if (interrupted) await finish(130);
    es = await startEmbeddedElasticsearch({ distHome, heap: process.env.AISEC_TEST_ES_HEAP || '768m' });
  } catch (e) {
    console.error(`run-tests: ${e instanceof Error ? e.message : String(e)}`);
    await finish(1);
  }
  if (interrupted) await finish(130);
  env.ES_URL = es!.url;
  console.log(`run-tests: Elasticsearch ${ES_VERSION} at ${es!.url} (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

console.log(`run-tests: ${files.length} test file(s): ${files.map((f) => relative(repoRoot, resolve(f))).join(' ')}`);
child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...nodeFlags, ...files], {
  stdio: 'inherit',
  env,
});
child.on('error', (e) => {
  console.error(`run-tests: cannot run node --test: ${e.message}`);
  void finish(1);
});
child.on('exit', (code, signal) => {
  if (interrupted) void finish(130);
  else void finish(code ?? 128 + (signal ? constants.signals[signal] : 1));
});
