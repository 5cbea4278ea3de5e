/**
 * The real service as a separate OS process, started from source (`node --import tsx analytics-service/src/main.ts`,
 * no build step) against the test Elasticsearch, for tests that kill, restart or run several copies of it.
 *
 * Each process gets ES_URL, a private AISEC_INDEX_PREFIX (or a given one, to take over another process's data),
 * the test API keys, HOST 127.0.0.1 and a free PORT; `env` overrides any of them. Its stdout and stderr are kept
 * (the last 2 MiB) so that a failing test can print them. Nothing is left running: every process is killed when
 * the test process exits or is interrupted, and on Linux the kernel kills it too if the test process dies
 * without running any handler (`setpriv --pdeathsig`). Tests should still `stop()` their processes in `after`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../elasticsearch/embedded.js';
import { testElasticsearchUrl } from './elasticsearch.js';
import { KEYS, uniquePrefix } from './service.js';
import { waitFor } from './wait.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAX_OUTPUT_BYTES = 2 * 1024 * 1024;

export interface ServiceProcessOptions {
  /** label for logs and errors; also names the fresh index prefix when `prefix` is not given */
  name: string;
  /** AISEC_INDEX_PREFIX; default a fresh `uniquePrefix(name)`. Pass another process's prefix to share its data. */
  prefix?: string;
  /** environment of the service, applied over the defaults (e.g. AISEC_DETECTION_POLL_MS, AISEC_REPLICA_ID, PORT) */
  env?: Record<string, string>;
  /** how long to wait for GET /ready to say ready; default 120 s (the shared 2-core machine can be slow) */
  readyTimeoutMs?: number;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly name: string;
  readonly prefix: string;
  /** base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly pid: number;
  /** settles once the process has exited; never rejects */
  readonly exited: Promise<ProcessExit>;
  /** how it exited, once it has */
  exitStatus(): ProcessExit | undefined;
  /** fetch against the service, with the test API key of `role` (none for null) */
  request(role: keyof typeof KEYS | null, path: string, init?: RequestInit): Promise<Response>;
  /** sends a signal (default SIGKILL); does not wait: await `exited` */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM (graceful shutdown), then SIGKILL if it has not exited after `timeoutMs` (default 15 s) */
  stop(timeoutMs?: number): Promise<ProcessExit>;
  /** what it wrote to stdout and stderr so far (the last 2 MiB) */
  output(): string;
}

/** Processes still running, killed when the test process goes away. */
const live = new Set<{ pid: number; kill: (signal: NodeJS.Signals) => void }>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = () => {
    for (const child of live) child.kill('SIGKILL');
    live.clear();
  };
  // 'exit' covers normal ends, process.exit() and uncaught exceptions
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAll();
      // keep the default behaviour (terminate) when nobody else handles the signal
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

let pdeathsig: boolean | undefined;
/** Whether `setpriv --pdeathsig` works here (Linux, util-linux >= 2.33). */
function canUsePdeathsig(): boolean {
  if (pdeathsig === undefined) {
    pdeathsig = process.platform === 'linux' && spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, '-e', ''], { stdio: 'ignore' }).status === 0;
  }
  return pdeathsig;
}

/** Starts the service and resolves once GET /ready answers ready; throws (with the process output) otherwise. */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const prefix = options.prefix ?? uniquePrefix(options.name);
  const port = options.env?.PORT ? Number(options.env.PORT) : await freePort();
  // the developer's own service settings must not leak into the test
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AISEC_|ES_)/.test(k) && !['PORT', 'HOST', 'LOG_LEVEL', 'NODE_TEST_CONTEXT'].includes(k)));
  const env: Record<string, string | undefined> = {
    ...inherited,
    ES_URL: testElasticsearchUrl(),
    AISEC_INDEX_PREFIX: prefix,
    AISEC_API_KEYS: Object.entries(KEYS).map(([role, key]) => `${role}:${key}`).join(','),
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    // scheduled UEBA maintenance stays off unless a test enables it (as in startTestService)
    AISEC_UEBA_REFRESH_INTERVAL: 'off',
    ...options.env,
  };
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' || !env.HOST ? '127.0.0.1' : env.HOST;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const args = ['--import', 'tsx', 'analytics-service/src/main.ts'];
  const child = canUsePdeathsig()
    ? spawn('setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) {
    // spawn failed synchronously (reported through 'error')
    const error = await new Promise<Error>((r) => child.once('error', r));
    throw new Error(`service ${options.name} could not be started: ${error.message}`);
  }
  const pid = child.pid;

  const chunks: Buffer[] = [];
  let bytes = 0;
  const keep = (chunk: Buffer) => {
    chunks.push(chunk);
    bytes += chunk.length;
    while (bytes > MAX_OUTPUT_BYTES && chunks.length > 1) bytes -= chunks.shift()!.length;
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const output = () => Buffer.concat(chunks).toString('utf8');

  let exit: ProcessExit | undefined;
  const handle = { pid, kill: (signal: NodeJS.Signals) => void child.kill(signal) };
  live.add(handle);
  installExitHooks();
  const exited = new Promise<ProcessExit>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      live.delete(handle);
      resolveExit(exit);
    });
  });
  child.on('error', (error) => keep(Buffer.from(`[service-process] ${error.message}\n`)));

  const kill = (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!exit) child.kill(signal);
  };
  const stop = async (timeoutMs = 15_000): Promise<ProcessExit> => {
    if (exit) return exit;
    child.kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const tail = () => output().slice(-20_000);

  try {
    await waitFor(
      `service ${options.name} (pid ${pid}) to answer ready`,
      async () => {
        if (exit) throw new Error(`service ${options.name} (pid ${pid}) exited (code ${exit.code}, signal ${exit.signal}) before it was ready; its output:\n${tail()}`);
        const ready = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5000) })
          .then(async (r) => r.ok && ((await r.json()) as { status?: string }).status === 'ready')
          .catch(() => false);
        return ready ? true : undefined;
      },
      options.readyTimeoutMs ?? 120_000,
      async () => `its output:\n${tail()}`,
    );
  } catch (error) {
    kill('SIGKILL');
    if (!exit) await exited;
    throw error;
  }

  return {
    name: options.name,
    prefix,
    url,
    pid,
    exited,
    exitStatus: () => exit,
    request(role, path, init = {}) {
      const headers = new Headers(init.headers);
      if (role) headers.set('authorization', `Bearer ${KEYS[role]}`);
      return fetch(`${url}${path}`, { ...init, headers });
    },
    kill,
    stop,
    output,
  };
}
