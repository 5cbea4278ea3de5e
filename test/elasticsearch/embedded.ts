/**
 * Embedded Elasticsearch for tests and local development: starts a node from the distribution
 * (distribution.ts) with a private work dir (config copy, logs, tmp, and — unless a persistent one is given —
 * data), and resolves once it is healthy.
 *
 * Elasticsearch refuses to run as root; when we are root the node runs as `nobody` via `setpriv` (run-as.ts).
 * The node's process group is supervised so that no JVM outlives us (process-group.ts).
 *
 * Security is off unless `security` is given: then the node gets HTTP TLS with a CA and node certificate generated
 * for it with `openssl`, and file-realm users created with `bin/elasticsearch-users` (security.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ES_VERSION, ensureDistribution, resolveJavaHome } from './distribution.js';
import { readTail, tailFile } from './logs.js';
import { assertPortFree, freePort } from './ports.js';
import { sleep, superviseGroup } from './process-group.js';
import { asUser, canAccess, chownRecursive, nobody, readableDistribution } from './run-as.js';
import { addFileRealmUsers, generateCertificates, getSecure, type SecurityOptions } from './security.js';

export { ES_VERSION, ensureDistribution, resolveJavaHome, type EnsureDistributionOptions } from './distribution.js';
export { freePort } from './ports.js';
export type { SecurityOptions } from './security.js';

export interface StartOptions {
  /** HTTP port; 0/undefined picks a free one. */
  httpPort?: number;
  /** Persistent data directory (survives restarts). When omitted a temp dir is used and removed on stop. */
  dataDir?: string;
  /** JVM heap (-Xms/-Xmx), default '512m'. */
  heap?: string;
  /** Default 'aisec-embedded'. */
  clusterName?: string;
  /** Receives every line ES writes to stdout/stderr. */
  log?: (line: string) => void;
  /** Max time to wait for cluster health yellow, default 120 s. */
  startTimeoutMs?: number;
  /** Use this distribution home instead of calling ensureDistribution(). */
  distHome?: string;
  /** Start with security on: HTTP TLS and file-realm users. Default: security off, plain HTTP, no auth. */
  security?: SecurityOptions;
  /**
   * Form a cluster instead of a single node: without `join` this node is its master; with `join` (another
   * node's transport address, `127.0.0.1:<port>`) it joins that node as a data-only node. Security must be off.
   */
  cluster?: { nodeName: string; join?: string };
}

export interface EmbeddedElasticsearch {
  /** `https://…` when started with `security` */
  url: string;
  /** `127.0.0.1:<port>` of the transport layer, for another node to join (see `cluster`) */
  transportAddress: string;
  /** With `security`: the PEM CA certificate that signed the node's HTTP certificate (in the work dir). */
  caFile?: string;
  pid: number;
  dataDir: string;
  /** ES stdout/stderr; lives in the work dir, which is removed by stop(). */
  logFile: string;
  /** Resolves once the node has stopped (process group gone, temp dirs removed). Idempotent. */
  stop(): Promise<void>;
  /** Resolves with the launcher's exit code/signal when it exits for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function writeConfig(distHome: string, workDir: string): Promise<string> {
  const configDir = join(workDir, 'config');
  // Not the keystore: a previous manual run may have left one there; ES creates a fresh one.
  await cp(join(distHome, 'config'), configDir, { recursive: true, filter: (src) => !src.endsWith('elasticsearch.keystore') });
  const jvmOptions = join(configDir, 'jvm.options');
  const lines = (await readFile(jvmOptions, 'utf8')).split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const t = line.trim();
    // GC logging would go to logs/gc.log relative to the cwd; we do not need it.
    if (/^(\d+(-\d*)?:)?-Xlog:gc/.test(t)) continue;
    if (/^(\d+(-\d*)?:)?-XX:HeapDumpPath=/.test(t)) out.push(`-XX:HeapDumpPath=${join(workDir, 'logs')}`);
    else if (/^(\d+(-\d*)?:)?-XX:ErrorFile=/.test(t)) out.push(`-XX:ErrorFile=${join(workDir, 'logs', 'hs_err_pid%p.log')}`);
    else out.push(line);
  }
  await writeFile(jvmOptions, out.join('\n'));
  return configDir;
}

function isBindFailure(log: string): boolean {
  return /BindException|BindTransportException|BindHttpException|Address already in use/.test(log);
}

class StartError extends Error {
  constructor(
    message: string,
    readonly bindFailure: boolean,
  ) {
    super(message);
  }
}

/**
 * Starts a single-node cluster (or a node of a cluster, see `cluster`) (security off unless `opts.security`) and resolves once cluster health is yellow.
 * Auto-picked ports are retried a couple of times if they were grabbed between probing and binding.
 */
export async function startEmbeddedElasticsearch(opts: StartOptions = {}): Promise<EmbeddedElasticsearch> {
  if (opts.cluster && opts.security) throw new Error('embedded Elasticsearch: a cluster of nodes is only supported with security off');
  const autoPort = !opts.httpPort;
  if (!autoPort) await assertPortFree(opts.httpPort!);
  const distHome = opts.distHome ?? (await ensureDistribution({ ...(opts.log ? { log: opts.log } : {}) }));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(distHome, opts);
    } catch (e) {
      if (autoPort && e instanceof StartError && e.bindFailure && attempt < 3) continue;
      throw e;
    }
  }
}

async function startOnce(distHomeIn: string, opts: StartOptions): Promise<EmbeddedElasticsearch> {
  const javaHome = resolveJavaHome();
  const heap = opts.heap ?? '512m';
  const clusterName = opts.clusterName ?? 'aisec-embedded';
  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  const isRoot = process.getuid?.() === 0;
  const user = isRoot ? nobody() : undefined;
  const distHome = user ? await readableDistribution(distHomeIn, user) : distHomeIn;

  const httpPort = opts.httpPort || (await freePort());
  let transportPort = await freePort();
  while (transportPort === httpPort) transportPort = await freePort();

  const workDir = await mkdtemp(join(tmpdir(), 'aisec-es-'));
  const tempDirs = [workDir];
  let dataDir: string;
  if (opts.dataDir) {
    dataDir = resolve(opts.dataDir);
    await mkdir(dataDir, { recursive: true });
  } else {
    dataDir = join(workDir, 'data');
    await mkdir(dataDir);
  }
  const logsDir = join(workDir, 'logs');
  const tmpDir = join(workDir, 'tmp');
  await mkdir(logsDir);
  await mkdir(tmpDir);
  const logFile = join(logsDir, 'console.log');

  let configDir: string;
  let caFile: string | undefined;
  try {
    configDir = await writeConfig(distHome, workDir);
    if (opts.security) ({ caFile } = generateCertificates(configDir));
    if (user) {
      await chmod(workDir, 0o755); // parent (tmpdir) must be traversable; mkdtemp makes it 0700
      await chownRecursive(workDir, user);
      if (opts.dataDir) await chownRecursive(dataDir, user);
      if (!canAccess(user, ['-w', workDir, '-a', '-w', dataDir, '-a', '-x', dataDir])) {
        throw new Error(
          `embedded Elasticsearch runs as 'nobody' when started as root, but ${workDir} or ${dataDir} is not reachable/writable by it ` +
            `(a parent directory is probably not world-executable); use a data dir / TMPDIR outside such directories`,
        );
      }
    }
    if (opts.security) await addFileRealmUsers(distHome, configDir, javaHome, opts.security, user);
  } catch (e) {
    await rm(workDir, { recursive: true, force: true });
    throw e;
  }

  const esEnv: Record<string, string> = {
    ES_JAVA_HOME: javaHome,
    ES_PATH_CONF: configDir,
    ES_TMPDIR: tmpDir,
    // No pre-touching: the heap is committed lazily, which makes start-up faster and RSS smaller.
    ES_JAVA_OPTS: `-Xms${heap} -Xmx${heap} -XX:-AlwaysPreTouch`,
  };
  const esArgs = [
    `-Ehttp.port=${httpPort}`,
    `-Etransport.port=${transportPort}`,
    `-Epath.data=${dataDir}`,
    `-Epath.logs=${logsDir}`,
    ...(opts.cluster
      ? opts.cluster.join
        ? [`-Ediscovery.seed_hosts=${opts.cluster.join}`, '-Enode.roles=data']
        : [`-Ediscovery.seed_hosts=127.0.0.1:${transportPort}`, `-Ecluster.initial_master_nodes=${opts.cluster.nodeName}`]
      : ['-Ediscovery.type=single-node']),
    ...(opts.security
      ? [
          '-Expack.security.enabled=true',
          '-Expack.security.http.ssl.enabled=true',
          '-Expack.security.http.ssl.certificate=certs/node.crt',
          '-Expack.security.http.ssl.key=certs/node.key',
          '-Expack.security.http.ssl.certificate_authorities=certs/ca.crt',
        ]
      : ['-Expack.security.enabled=false']),
    `-Ecluster.name=${clusterName}`,
    `-Enode.name=${opts.cluster?.nodeName ?? 'aisec-embedded'}`,
    '-Ecluster.routing.allocation.disk.threshold_enabled=false',
    '-Eaction.destructive_requires_name=false',
    // a test run creates a few hundred small indices and data streams, which this distribution cannot delete
    '-Ecluster.max_shards_per_node=20000',
  ];
  const bin = join(distHome, 'bin', 'elasticsearch');
  let cmd: string;
  let args: string[];
  let env: NodeJS.ProcessEnv;
  if (user) {
    const envArgs = Object.entries({ ...esEnv, PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' }).map(([k, v]) => `${k}=${v}`);
    [cmd, ...args] = asUser(user, ['--reset-env', 'env', ...envArgs, bin, ...esArgs]) as [string, ...string[]];
    env = process.env;
  } else {
    cmd = bin;
    args = esArgs;
    env = { ...process.env, ...esEnv };
  }

  const out = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { cwd: workDir, env, detached: true, stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  child.unref();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('exit', (code, signal) => res({ code, signal }));
    child.once('error', () => res({ code: null, signal: null }));
  });
  const spawnError = new Promise<Error>((res) => child.once('error', res));
  const pid = child.pid;
  if (pid === undefined) {
    const err = await spawnError;
    await rm(workDir, { recursive: true, force: true });
    throw new Error(`embedded Elasticsearch: cannot spawn ${cmd}: ${err.message}`);
  }
  let exitedYet = false;
  void exited.then(() => (exitedYet = true));

  const stopTail = opts.log ? tailFile(logFile, opts.log) : () => {};
  const group = superviseGroup({ pid, tempDirs, persistent: Boolean(opts.dataDir), exited, onStopped: stopTail });
  const stop = group.stop;

  const url = `${opts.security ? 'https' : 'http'}://127.0.0.1:${httpPort}`;
  const probe = async (path: string, timeoutMs: number): Promise<{ ok: boolean; body: unknown }> => {
    if (opts.security) return getSecure(`${url}${path}`, caFile!, opts.security.users[0]!, timeoutMs);
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    return { ok: res.ok, body: await res.json() };
  };
  const started = Date.now();
  const failure = async (why: string): Promise<never> => {
    const log = readTail(logFile, 40);
    await stop();
    throw new StartError(
      `embedded Elasticsearch ${ES_VERSION} failed to start (${why}); http port ${httpPort}, transport port ${transportPort}, data ${dataDir}.\n` +
        `Last lines of console output:\n${log}`,
      isBindFailure(log),
    );
  };
  for (;;) {
    if (exitedYet) {
      const { code, signal } = await exited;
      return failure(`process exited with ${signal ?? `code ${code}`}`);
    }
    const remaining = timeoutMs - (Date.now() - started);
    if (remaining <= 0) return failure(`cluster not yellow within ${Math.round(timeoutMs / 1000)} s`);
    try {
      const res = await probe(`/_cluster/health?wait_for_status=yellow&timeout=${Math.max(1, Math.min(5, Math.floor(remaining / 1000)))}s`, Math.min(remaining, 10_000));
      const body = res.body as { status?: string; timed_out?: boolean };
      if (res.ok && !body.timed_out && (body.status === 'yellow' || body.status === 'green')) {
        group.markReady();
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(200);
  }

  return { url, transportAddress: `127.0.0.1:${transportPort}`, pid, dataDir, logFile, stop, exited, ...(caFile ? { caFile } : {}) };
}
