/**
 * Embedded Elasticsearch for tests and local development.
 *
 * The distribution is Elastic's official `integ-test-zip` (no bundled JDK, minimal module set),
 * unpacked by Maven from `pom.xml` next to this file. A node is started from it with a private
 * work dir (config copy, logs, tmp, and — unless a persistent one is given — data).
 *
 * Elasticsearch refuses to run as root; when we are root the node runs as `nobody` via `setpriv`.
 *
 * Security is off unless `security` is given: then the node gets HTTP TLS with a CA and node certificate generated
 * for it with `openssl`, and file-realm users created with `bin/elasticsearch-users` (see SecurityOptions).
 */
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const POM = join(HERE, 'pom.xml');
const DEFAULT_OUTPUT_DIR = join(HERE, 'target', 'dist');
const ROOT_CACHE_DIR = '/var/cache/aisec-elasticsearch';
const INSTALL_HINT = 'install JDK 17+ and Maven, or set ES_URL to an existing cluster';

export const ES_VERSION: string = readEsVersion();

export interface EnsureDistributionOptions {
  /** Directory that will contain `elasticsearch-<version>/`. Default: `test/elasticsearch/target/dist`. */
  outputDir?: string;
  log?: (line: string) => void;
}

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

/**
 * `xpack.security.enabled=true` with HTTP TLS from PEM files (a CA and a node certificate for localhost/127.0.0.1,
 * generated at start with `openssl` into the node's config dir) and users of the file realm, created with
 * `bin/elasticsearch-users useradd` as the user the node runs as. The first user waits for cluster health, so it
 * needs the `monitor` cluster privilege (e.g. role `superuser`).
 */
export interface SecurityOptions {
  users: Array<{ username: string; password: string; roles: string[] }>;
  /** appended to the file realm's `roles.yml` (role name: descriptor, in YAML) */
  rolesYml?: string;
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

// ---------------------------------------------------------------------------------------------
// Distribution

function readEsVersion(): string {
  const m = /<es\.version>\s*([^<\s]+)\s*<\/es\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!m?.[1]) throw new Error(`cannot find <es.version> in ${POM}`);
  return m[1];
}

function findOnPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** ES_JAVA_HOME, else JAVA_HOME, else derived from the `java` on PATH. Throws with a hint when missing or < 17. */
export function resolveJavaHome(): string {
  let home = process.env.ES_JAVA_HOME || process.env.JAVA_HOME;
  if (!home) {
    const java = findOnPath('java');
    if (!java) throw new Error(`embedded Elasticsearch: \`java\` not found on PATH — ${INSTALL_HINT}`);
    home = dirname(dirname(realpathSync(java)));
  }
  if (!existsSync(join(home, 'bin', 'java'))) {
    throw new Error(`embedded Elasticsearch: no bin/java under Java home ${home} — ${INSTALL_HINT}`);
  }
  try {
    const release = readFileSync(join(home, 'release'), 'utf8');
    const v = /^JAVA_VERSION="(\d+)(?:\.|")/m.exec(release);
    const major = v?.[1] === '1' ? 8 : Number(v?.[1]);
    if (major && major < 17) {
      throw new Error(`embedded Elasticsearch: Java ${major} at ${home} is too old (ES ${ES_VERSION} needs 17+) — ${INSTALL_HINT}`);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return home;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(cmd, args, { ...opts, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      if (typeof code === 'string') reject(err); // spawn failure (ENOENT, EACCES, ...)
      else resolvePromise({ code: err ? (code ?? 1) as number : 0, output: `${stdout}${stderr}` });
    });
  });
}

/**
 * Makes sure the ES distribution is unpacked (running Maven if needed) and returns its home dir.
 * Unpacks into a private staging dir and renames it into place, so concurrent callers are safe.
 */
export async function ensureDistribution(opts: EnsureDistributionOptions = {}): Promise<string> {
  const outputDir = resolve(opts.outputDir ?? process.env.AISEC_ES_DIST_DIR ?? DEFAULT_OUTPUT_DIR);
  const home = join(outputDir, `elasticsearch-${ES_VERSION}`);
  if (existsSync(join(home, 'bin', 'elasticsearch'))) return home;

  const javaHome = resolveJavaHome();
  const mvn = findOnPath('mvn');
  if (!mvn) throw new Error(`embedded Elasticsearch: \`mvn\` not found on PATH (needed once to fetch Elasticsearch ${ES_VERSION}) — ${INSTALL_HINT}`);

  await mkdir(outputDir, { recursive: true });
  const staging = await mkdtemp(join(outputDir, '.unpack-'));
  try {
    opts.log?.(`unpacking Elasticsearch ${ES_VERSION} with Maven into ${outputDir}`);
    const { code, output } = await run(
      mvn,
      ['-q', '-B', '-f', POM, 'generate-resources', `-Des.dist.dir=${staging}`, `-Des.markers.dir=${join(staging, '.markers')}`],
      { env: { ...process.env, JAVA_HOME: javaHome } },
    );
    const unpacked = join(staging, `elasticsearch-${ES_VERSION}`);
    if (code !== 0 || !existsSync(join(unpacked, 'bin', 'elasticsearch'))) {
      throw new Error(
        `embedded Elasticsearch: \`mvn -f ${POM} generate-resources\` failed (exit ${code}); ${INSTALL_HINT}\n${tail(output, 40)}`,
      );
    }
    try {
      await rename(unpacked, home);
    } catch (e) {
      // Someone else won the race: fine as long as their copy is complete.
      if (!existsSync(join(home, 'bin', 'elasticsearch'))) throw e;
    }
    return home;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Running as root: everything ES touches must be usable by `nobody`.

interface RunAs {
  uid: number;
  gid: number;
}

function nobody(): RunAs {
  const uid = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error('embedded Elasticsearch: running as root but there is no `nobody` user to run ES as');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function asUser(user: RunAs, cmd: string[]): string[] {
  return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', ...cmd];
}

function canAccess(user: RunAs, testArgs: string[]): boolean {
  const [cmd, ...args] = asUser(user, ['test', ...testArgs]);
  const r = spawnSync(cmd!, args, { stdio: 'ignore' });
  if (r.error) throw new Error(`embedded Elasticsearch: running as root needs \`setpriv\` (util-linux): ${r.error.message}`);
  return r.status === 0;
}

async function chownRecursive(path: string, user: RunAs): Promise<void> {
  await chown(path, user.uid, user.gid);
  const st = statSync(path);
  if (!st.isDirectory()) return;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) await chownRecursive(p, user);
    else await chown(p, user.uid, user.gid);
  }
}

/** Returns a distribution home readable by `user`, copying it to a world-readable cache if needed. */
async function readableDistribution(home: string, user: RunAs): Promise<string> {
  const check = (h: string) => canAccess(user, ['-r', join(h, 'lib', `elasticsearch-${ES_VERSION}.jar`), '-a', '-x', join(h, 'bin', 'elasticsearch')]);
  if (check(home)) return home;
  const cached = join(ROOT_CACHE_DIR, ES_VERSION);
  if (existsSync(join(cached, 'bin', 'elasticsearch')) && check(cached)) return cached;
  await mkdir(ROOT_CACHE_DIR, { recursive: true, mode: 0o755 });
  await chmod(ROOT_CACHE_DIR, 0o755);
  const staging = await mkdtemp(join(ROOT_CACHE_DIR, '.copy-'));
  try {
    await cp(home, join(staging, 'es'), { recursive: true, preserveTimestamps: true });
    const r = spawnSync('chmod', ['-R', 'a+rX', join(staging, 'es')]);
    if (r.status !== 0) throw new Error(`chmod -R a+rX ${staging} failed`);
    await rm(cached, { recursive: true, force: true });
    await rename(join(staging, 'es'), cached);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  if (!check(cached)) throw new Error(`embedded Elasticsearch: ${cached} is still not readable by uid ${user.uid}`);
  return cached;
}

// ---------------------------------------------------------------------------------------------
// Ports

/** A port that is currently free on all interfaces (both IPv4 and IPv6 where available). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'EADDRINUSE' ? `embedded Elasticsearch: port ${port} is already in use` : `embedded Elasticsearch: cannot use port ${port}: ${e.message}`)),
    );
    srv.listen(port, () => srv.close(() => resolvePromise()));
  });
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: never leave an orphan JVM behind.

interface Live {
  pgid: number;
  tempDirs: string[];
  persistent: boolean;
  stop: () => Promise<void>;
}

const live = new Set<Live>();
let handlersInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Whether any non-zombie process is left in the group. Zombies matter: when the launcher JVM dies
 * before the server JVM, the server is re-parented to init and may sit there as a zombie for a while
 * (this machine's init reaps lazily), so `kill(-pgid, 0)` would keep reporting the group as alive.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ..." — comm may contain spaces/parens, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

function onSignal(signal: NodeJS.Signals): void {
  // If the application handles this signal itself it is responsible for calling stop().
  if (process.listenerCount(signal) > 1) return;
  const code = 128 + (signal === 'SIGINT' ? 2 : 15);
  void Promise.allSettled([...live].map((l) => l.stop())).finally(() => process.exit(code));
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const l of live) {
      // Temp nodes can die hard; a persistent node gets a graceful SIGTERM it completes on its own.
      killGroup(l.pgid, l.persistent ? 'SIGTERM' : 'SIGKILL');
      for (const d of l.tempDirs) {
        try {
          rmSync(d, { recursive: true, force: true });
        } catch {
          /* best effort */
        }
      }
    }
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * A detached shell that outlives us: if this Node process dies without running its 'exit' handler
 * (SIGKILL, OOM), it takes the ES process group down and removes the temp dirs.
 */
function spawnWatchdog(pgid: number, tempDirs: string[]): ChildProcess {
  // `kill -s SIG -- -PGID` is the spelling dash, bash and busybox sh all accept for a process group.
  const script = [
    'parent=$1; pgid=$2; shift 2',
    'alive() { kill -s 0 -- "-$pgid" 2>/dev/null; }',
    'while kill -s 0 "$parent" 2>/dev/null && alive; do sleep 1; done',
    'if alive; then',
    '  kill -s TERM -- "-$pgid" 2>/dev/null',
    '  i=0; while alive && [ $i -lt 20 ]; do sleep 1; i=$((i+1)); done',
    '  kill -s KILL -- "-$pgid" 2>/dev/null',
    'fi',
    '[ $# -gt 0 ] && rm -rf -- "$@"',
    'exit 0',
  ].join('\n');
  const w = spawn('/bin/sh', ['-c', script, 'es-watchdog', String(process.pid), String(pgid), ...tempDirs], {
    detached: true,
    stdio: 'ignore',
  });
  w.on('error', () => {});
  w.unref();
  return w;
}

// ---------------------------------------------------------------------------------------------
// Security: certificates and file-realm users

/** A CA and a node certificate (EC P-256, SAN localhost/127.0.0.1/::1, 2 days) in `<configDir>/certs`. */
function generateCertificates(configDir: string): { caFile: string } {
  const certs = join(configDir, 'certs');
  const openssl = (args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: certs, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
      throw new Error(`embedded Elasticsearch: \`openssl ${args[0]}\` failed (${err.code === 'ENOENT' ? 'openssl is not installed' : String(err.stderr ?? err.message).trim()})`);
    }
  };
  mkdirSync(certs, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=aisec embedded test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', ...ec, '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/CN=localhost']);
  writeFileSync(
    join(certs, 'node.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  openssl(['x509', '-req', '-in', 'node.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'node.crt', '-days', '2', '-extfile', 'node.ext']);
  return { caFile: join(certs, 'ca.crt') };
}

/** `bin/elasticsearch-users useradd` for each user, run as the user the node runs as (its files must stay readable to it). */
async function addFileRealmUsers(distHome: string, configDir: string, javaHome: string, security: SecurityOptions, user: RunAs | undefined): Promise<void> {
  if (security.rolesYml) {
    const file = join(configDir, 'roles.yml');
    await writeFile(file, `${await readFile(file, 'utf8').catch(() => '')}\n${security.rolesYml}\n`);
    if (user) await chown(file, user.uid, user.gid);
  }
  const env = { ES_JAVA_HOME: javaHome, ES_PATH_CONF: configDir, PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };
  for (const u of security.users) {
    const tool = [join(distHome, 'bin', 'elasticsearch-users'), 'useradd', u.username, '-p', u.password, '-r', u.roles.join(',')];
    const [cmd, ...args] = user ? asUser(user, ['--reset-env', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...tool]) : tool;
    const { code, output } = await run(cmd!, args, user ? {} : { env: { ...process.env, ...env } });
    if (code !== 0) throw new Error(`embedded Elasticsearch: elasticsearch-users useradd ${u.username} failed (exit ${code}):\n${tail(output, 20)}`);
  }
}

/** GET over HTTPS with the node's CA and basic auth (fetch cannot take a CA); resolves with status and parsed body. */
function getSecure(url: string, caFile: string, auth: { username: string; password: string }, timeoutMs: number): Promise<{ ok: boolean; body: unknown }> {
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest(url, { ca: readFileSync(caFile), auth: `${auth.username}:${auth.password}`, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolvePromise({ ok: (res.statusCode ?? 0) < 300, body: JSON.parse(text) });
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Start

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
}

function readTail(file: string, lines: number): string {
  try {
    return tail(readFileSync(file, 'utf8'), lines);
  } catch {
    return '(no console output)';
  }
}

/** Polls the console log and forwards complete lines to `log`. */
function tailFile(file: string, log: (line: string) => void): () => void {
  let pos = 0;
  let partial = '';
  const buf = Buffer.alloc(64 * 1024);
  const pump = (flush: boolean) => {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return;
    }
    try {
      if (fstatSync(fd).size < pos) pos = 0;
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        partial += buf.toString('utf8', 0, n);
      }
    } finally {
      closeSync(fd);
    }
    const parts = partial.split('\n');
    partial = flush ? '' : (parts.pop() ?? '');
    for (const line of parts) if (line) log(line);
  };
  const timer = setInterval(() => pump(false), 200);
  timer.unref();
  return () => {
    clearInterval(timer);
    pump(true);
  };
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
  const watchdog = spawnWatchdog(pid, tempDirs);

  let stopping: Promise<void> | undefined;
  let ready = false;
  const entry: Live = {
    pgid: pid,
    tempDirs,
    persistent: Boolean(opts.dataDir),
    stop: () => stop(),
  };
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // Once running, SIGTERM to the launcher makes it shut the server JVM down in an orderly way.
      // During start-up the launcher ignores it until the server is up, so signal the whole group.
      if (ready) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      } else {
        killGroup(pid, 'SIGTERM');
      }
      const deadline = Date.now() + 30_000;
      while ((groupAlive(pid) || !exitedYet) && Date.now() < deadline) await sleep(100);
      if (groupAlive(pid)) {
        killGroup(pid, 'SIGKILL');
        const hardDeadline = Date.now() + 10_000;
        while (groupAlive(pid) && Date.now() < hardDeadline) await sleep(50);
      }
      await Promise.race([exited, sleep(5_000, true)]);
      stopTail();
      if (watchdog.pid) killGroup(watchdog.pid, 'SIGKILL');
      live.delete(entry);
      for (const d of tempDirs) await rm(d, { recursive: true, force: true });
    })());
  installHandlers();
  live.add(entry);

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
        ready = true;
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(200);
  }

  return { url, transportAddress: `127.0.0.1:${transportPort}`, pid, dataDir, logFile, stop, exited, ...(caFile ? { caFile } : {}) };
}

function sleep(ms: number, unref = false): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    if (unref) t.unref();
  });
}
