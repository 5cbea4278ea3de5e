/**
 * Shared by the detection benchmarks: Elasticsearch (ES_URL or the embedded node), the service as a child
 * process (so its memory is measured alone), machine facts, percentiles and Markdown tables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDistribution, freePort, startEmbeddedElasticsearch } from '../test/elasticsearch/embedded.js';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The NODE_OPTIONS the service's container sets (`ENV NODE_OPTIONS=` in analytics-service/Dockerfile), added to any
 * the caller gives: benchmarks run the service as it runs in production.
 */
export function serviceNodeOptions(extra?: string): string {
  const dockerfile = readFileSync(join(root, 'analytics-service', 'Dockerfile'), 'utf8');
  const container = /^ENV NODE_OPTIONS="([^"]*)"/m.exec(dockerfile)?.[1];
  if (container === undefined) throw new Error('analytics-service/Dockerfile sets no NODE_OPTIONS: the benchmarks expect ENV NODE_OPTIONS="…"');
  return [container, extra].filter(Boolean).join(' ');
}
export const ADMIN_KEY = 'bench-admin-key-0000000000001';
export const INGEST_KEY = 'bench-ingest-key-000000000001';

export interface EmbeddedOptions {
  clusterName?: string;
  startTimeoutMs?: number;
  /** keep the node's data here (default: a temp dir removed on stop) */
  dataDir?: string;
}

/** ES_URL, or an embedded node started here. */
export async function elasticsearch(heap = '2g', options: EmbeddedOptions = {}): Promise<{ url: string; stop: () => Promise<void>; embedded: boolean }> {
  if (process.env.ES_URL) return { url: process.env.ES_URL.replace(/\/+$/, ''), stop: async () => undefined, embedded: false };
  const node = await startEmbeddedElasticsearch({ distHome: await ensureDistribution(), heap, ...options });
  return { url: node.url, stop: () => node.stop(), embedded: true };
}

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** peak resident set size of the service process so far (Linux VmHWM), in MiB */
  peakRssMb(): number | undefined;
  rssMb(): number | undefined;
  stop(): Promise<void>;
}

function statusField(pid: number, field: string): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the service with the given environment (which overrides the defaults here, API keys included) and waits
 * until /ready. From source (tsx) unless `fromDist`: then from `analytics-service/dist/main.js`, which must be built;
 * or from `main`, another build's main.js (to compare two builds side by side).
 */
export async function startService(esUrl: string, env: Record<string, string>, options: { fromDist?: boolean; main?: string } = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const dist = options.main ? resolve(options.main) : join(root, 'analytics-service', 'dist', 'main.js');
  if ((options.fromDist || options.main) && !existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build -w analytics-service\` first`);
  const entry = options.fromDist || options.main ? [dist] : ['--import', 'tsx', join(root, 'analytics-service', 'src', 'main.ts')];
  const child = spawn(process.execPath, entry, {
    cwd: root,
    env: { ...process.env, ES_URL: esUrl, PORT: String(port), AISEC_API_KEYS: `ingest:${INGEST_KEY},admin:${ADMIN_KEY}`, LOG_LEVEL: 'warn', AISEC_UEBA_REFRESH_INTERVAL: 'off', ...env, NODE_OPTIONS: serviceNodeOptions(env.NODE_OPTIONS ?? process.env.NODE_OPTIONS) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
    if (await fetch(`${url}/ready`).then((r) => r.ok, () => false)) break;
    if (i > 480) {
      child.kill('SIGTERM');
      throw new Error('service not ready within 2 minutes');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    child,
    peakRssMb: () => statusField(child.pid!, 'VmHWM'),
    rssMb: () => statusField(child.pid!, 'VmRSS'),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export function machine(): Record<string, string> {
  const cpu = cpus();
  return {
    cores: String(cpu.length),
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    load: loadavg().map((l) => l.toFixed(1)).join(' / '),
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function table(rows: Array<[string, string | number]>): string {
  return ['| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

export async function esVersion(url: string): Promise<string> {
  try {
    const response = await fetch(`${url}/_nodes/_local?filter_path=nodes.*.version`);
    const body = (await response.json()) as { nodes?: Record<string, { version: string }> };
    return Object.values(body.nodes ?? {})[0]?.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
