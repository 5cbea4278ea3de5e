/**
 * Service configuration from environment variables, validated at start with errors that name the variable: the
 * environment is read once against the settings schema (settings/env-schema.ts, settings/read-env.ts); this module
 * and the settings modules it calls turn the values into ServiceConfig.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { EnvVars } from './settings/env-schema.js';
import { ConfigError, readEnv, type Env } from './settings/read-env.js';
import { ROLES, type Role } from './http/auth/roles.js';
import type { ContentMode } from './ingest/content-mode.js';
import { loadDetectionSettings, type DetectionSettings } from './detection/settings.js';
import { loadUebaConfig, type UebaConfig } from './ueba/config.js';
import { loadExportSettings, type ExportSettings } from './export/settings.js';
import { logFormatFrom, type LogFormat } from './logging.js';

export interface ElasticsearchConfig {
  url: string;
  apiKey?: string;
  username?: string;
  password?: string;
  caFile?: string;
  requestTimeoutMs: number;
  maxRetries: number;
}

export interface ApiKey {
  /** who holds the key: recorded as the actor of what it does (triage history, exports); never secret */
  name: string;
  role: Role;
  key: string;
}

export interface ServiceConfig {
  host: string;
  port: number;
  logLevel: string;
  /** LOG_FORMAT: json, or pino-pretty's colourised lines; default pretty on a terminal, json elsewhere */
  logFormat: LogFormat;
  elasticsearch: ElasticsearchConfig;
  indexPrefix: string;
  /**
   * this replica's name in the leases that make singleton work (streaming detection, UEBA maintenance) run
   * once across replicas; default host:pid, which a restarted container keeps, so it reclaims its own lease
   */
  replicaId: string;
  apiKeys: ApiKey[];
  /** local demo only: every request is treated as admin */
  authDisabled: boolean;
  bodyLimitBytes: number;
  /** events per Elasticsearch _bulk request */
  bulkChunkSize: number;
  /** data stream lifecycle retention of events, e.g. "90d"; unset keeps events forever */
  eventsRetention?: string;
  eventsShards: number;
  /** what happens to input_text/output_text before storage (ingest/content-mode.ts) */
  contentMode: ContentMode;
  /** ingest requests processed at once; more are refused with 503 before their body is read (bounds memory) */
  maxConcurrentIngest: number;
  /** open GET /v1/events/stream connections one API key may hold (each polls Elasticsearch) */
  maxStreamsPerKey: number;
  /** requests per minute per API key (per client IP without a key); 0 disables */
  rateLimitPerMinute: number;
  /** event-loop delay (ms) above which requests are shed with 503 + Retry-After; 0 disables */
  maxEventLoopDelayMs: number;
  /** how often the hourly event-count rollup is recomputed (rollups/rollup-job.ts); 0: never */
  rollupIntervalMs: number;
  /** UEBA baselines, risk and assurance metrics (ueba/config.ts) */
  ueba: UebaConfig;
  /** detection engine: streaming, detection config file, webhooks (detection/settings.ts) */
  detection: DetectionSettings;
  /** forensic exports: directory, sync/async cut-off, file size (export/settings.ts) */
  exports: ExportSettings;
}

export { ConfigError };

const KEY_NAME = /^[A-Za-z0-9._@+-]{1,64}$/;

/** The name of a key given without one: its role and the start of its SHA-256, stable wherever the key is listed. */
export function defaultKeyName(role: Role, key: string): string {
  return `${role}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/**
 * `AISEC_API_KEYS=name=role:key,…`, e.g. `alice=admin:k1,shipper=ingest:k2`; the older `role:key` form still works
 * and names the key after its role and hash (defaultKeyName).
 */
export function parseApiKeys(raw: string | undefined): ApiKey[] {
  if (raw === undefined || raw.trim() === '') return [];
  const keys = raw.split(',').map((entry, i) => {
    const separator = entry.indexOf(':');
    const head = entry.slice(0, separator).trim();
    const key = entry.slice(separator + 1).trim();
    const equals = head.indexOf('=');
    const name = equals < 0 ? undefined : head.slice(0, equals).trim();
    const role = equals < 0 ? head : head.slice(equals + 1).trim();
    if (separator < 0 || !(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError(`AISEC_API_KEYS entry ${i + 1} must look like name=role:key (or role:key) with role one of ${ROLES.join(', ')}`);
    }
    if (name !== undefined && !KEY_NAME.test(name)) {
      throw new ConfigError(`AISEC_API_KEYS entry ${i + 1} has a name that is not 1 to 64 letters, digits or . _ @ + - (got "${name}")`);
    }
    if (key.length < 16) {
      throw new ConfigError(`AISEC_API_KEYS entry ${i + 1} (${name ?? role}) has a key shorter than 16 characters`);
    }
    return { name: name ?? defaultKeyName(role as Role, key), role: role as Role, key };
  });
  const seen = new Set<string>();
  for (const { name } of keys) {
    if (seen.has(name)) throw new ConfigError(`AISEC_API_KEYS names "${name}" twice: every key needs its own name, so the audit trail tells them apart`);
    seen.add(name);
  }
  return keys;
}

export function loadConfig(env: Env = process.env): ServiceConfig {
  const vars = readEnv(env);
  const url = vars.ES_URL;
  if (!url) throw new ConfigError('ES_URL is not set: point it at Elasticsearch, or start with `npm start`, which runs an embedded node');
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`ES_URL is not a URL (got "${url}")`);
  }
  const apiKeys = parseApiKeys(vars.AISEC_API_KEYS);
  const authDisabled = vars.AISEC_AUTH_DISABLED;
  if (!authDisabled && apiKeys.length === 0) {
    throw new ConfigError(
      'AISEC_API_KEYS is empty: set role:key pairs (roles ingest, read, admin), or AISEC_AUTH_DISABLED=true for a local demo',
    );
  }
  const config: ServiceConfig = {
    host: vars.HOST,
    port: vars.PORT,
    logLevel: vars.LOG_LEVEL,
    logFormat: logFormatFrom(vars.LOG_FORMAT, process.stdout.isTTY === true),
    elasticsearch: {
      url,
      requestTimeoutMs: vars.ES_REQUEST_TIMEOUT_MS,
      maxRetries: vars.ES_MAX_RETRIES,
    },
    indexPrefix: vars.AISEC_INDEX_PREFIX,
    replicaId: replicaId(vars),
    apiKeys,
    authDisabled,
    bodyLimitBytes: vars.AISEC_BODY_LIMIT_BYTES,
    bulkChunkSize: vars.AISEC_BULK_CHUNK,
    eventsShards: vars.AISEC_EVENTS_SHARDS,
    contentMode: vars.AISEC_CONTENT_MODE,
    maxConcurrentIngest: vars.AISEC_MAX_CONCURRENT_INGEST,
    maxStreamsPerKey: vars.AISEC_MAX_STREAMS_PER_KEY,
    rateLimitPerMinute: vars.AISEC_RATE_LIMIT_PER_MIN,
    maxEventLoopDelayMs: vars.AISEC_MAX_EVENT_LOOP_DELAY_MS,
    rollupIntervalMs: rollupInterval(vars.AISEC_ROLLUP_INTERVAL),
    ueba: loadUebaConfig(vars),
    detection: loadDetectionSettings(vars),
    exports: loadExportSettings(vars),
  };
  if (vars.AISEC_EVENTS_RETENTION) config.eventsRetention = vars.AISEC_EVENTS_RETENTION;
  Object.assign(config.elasticsearch, elasticsearchCredentials(vars));
  return config;
}

/** AISEC_ROLLUP_INTERVAL (already checked against its pattern): off, or a number of seconds, minutes or hours. */
function rollupInterval(raw: string): number {
  if (raw === 'off') return 0;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000 }[raw.slice(-1) as 's' | 'm' | 'h'];
  return Number(raw.slice(0, -1)) * unit;
}

function replicaId(vars: EnvVars): string {
  const id = vars.AISEC_REPLICA_ID ?? `${hostname()}:${process.pid}`;
  if (!/^[\x21-\x7e]{1,200}$/.test(id)) throw new ConfigError(`AISEC_REPLICA_ID must be 1 to 200 visible ASCII characters without spaces (got "${id}")`);
  return id;
}

/** ES_API_KEY, or ES_USERNAME with ES_PASSWORD, and ES_CA_FILE: checked here so that a typo fails at start, not as a 401 later. */
function elasticsearchCredentials(vars: EnvVars): Pick<ElasticsearchConfig, 'apiKey' | 'username' | 'password' | 'caFile'> {
  const out: Pick<ElasticsearchConfig, 'apiKey' | 'username' | 'password' | 'caFile'> = {};
  const apiKey = vars.ES_API_KEY;
  const username = vars.ES_USERNAME;
  const password = vars.ES_PASSWORD;
  if (apiKey && (username || password)) throw new ConfigError('set either ES_API_KEY or ES_USERNAME/ES_PASSWORD, not both');
  if (Boolean(username) !== Boolean(password)) throw new ConfigError('ES_USERNAME and ES_PASSWORD must be set together');
  if (apiKey) out.apiKey = apiKey;
  if (username && password) Object.assign(out, { username, password });
  const caFile = vars.ES_CA_FILE;
  if (caFile) {
    let pem: string;
    try {
      pem = readFileSync(caFile, 'utf8');
    } catch (error) {
      throw new ConfigError(`ES_CA_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ${caFile}`);
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`ES_CA_FILE must hold PEM certificates (-----BEGIN CERTIFICATE-----): ${caFile}`);
    out.caFile = caFile;
  }
  return out;
}
