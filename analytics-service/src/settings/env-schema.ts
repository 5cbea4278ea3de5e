/**
 * Every environment variable the service reads, in one TypeBox schema: name, type, bounds, default and meaning
 * (the README's settings table and docs/*.md describe the same variables). read-env.ts reads the environment once
 * against it; config.ts and the settings modules (detection/settings.ts, ueba/config.ts, export/settings.ts) turn
 * the values into their settings objects. Variables whose default depends on the machine (LOG_FORMAT,
 * AISEC_REPLICA_ID) or whose value is parsed further (durations, URLs, keys, time zones) are optional strings here.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { SEVERITIES } from '../contract/event-schema.js';
import { CONTENT_MODES } from '../ingest/content-mode.js';
import { MAX_PARTITIONS } from '../detection/partitions.js';
import { LOG_FORMATS } from '../logging.js';

/** A whole number from minimum to maximum; blank or unset is the default. */
const whole = (fallback: number, minimum: number, maximum: number, description: string) => Type.Integer({ minimum, maximum, default: fallback, description });
/** A number (fractions allowed) from minimum to maximum. */
const decimal = (fallback: number, minimum: number, maximum: number, description: string) => Type.Number({ minimum, maximum, default: fallback, description });
/** true/1/yes or false/0/no, any case. */
const flag = (fallback: boolean, description: string) => Type.Boolean({ default: fallback, description });
const oneOf = <T extends string>(values: readonly T[], fallback: T, description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), { default: fallback, description });
/** Trimmed text with a default; `pattern` failures are reported with `invalid` ({value} is the value read). */
const text = (fallback: string, description: string, check?: { pattern: string; invalid: string }) =>
  Type.String({ default: fallback, description, ...(check ? { pattern: check.pattern, 'x-invalid': check.invalid } : {}) });
/** Trimmed text; blank or unset is absent. */
const optional = (description: string, check?: { pattern: string; invalid: string }) =>
  Type.Optional(Type.String({ description, ...(check ? { pattern: check.pattern, 'x-invalid': check.invalid } : {}) }));
/** Read as it is, not trimmed (a password may begin or end with a space). */
const verbatim = (description: string) => Type.Optional(Type.String({ description, 'x-verbatim': true }));
/** No longer read: setting it stops the start with `message`, so a stale deployment is noticed. */
const removed = (message: string) => Type.Optional(Type.String({ description: 'no longer used', 'x-removed': message }));

export const ENV_SCHEMA = Type.Object({
  // Elasticsearch
  ES_URL: optional('Elasticsearch URL (required; `npm start` fills it)'),
  ES_API_KEY: optional('Elasticsearch API key (or ES_USERNAME with ES_PASSWORD)'),
  ES_USERNAME: optional('Elasticsearch user'),
  ES_PASSWORD: verbatim('Elasticsearch password'),
  ES_CA_FILE: optional('PEM CA bundle for TLS to Elasticsearch'),
  ES_REQUEST_TIMEOUT_MS: whole(30_000, 100, 600_000, 'Elasticsearch request timeout'),
  ES_MAX_RETRIES: whole(2, 0, 10, 'Elasticsearch client retries'),

  // the service
  HOST: text('127.0.0.1', 'listen address'),
  PORT: whole(8080, 0, 65535, 'listen port'),
  LOG_LEVEL: text('info', 'pino log level'),
  LOG_FORMAT: Type.Optional(Type.Union(LOG_FORMATS.map((f) => Type.Literal(f)), { description: 'pretty on a terminal, else json' })),
  AISEC_INDEX_PREFIX: text('aisec', 'prefix of every index and data stream', {
    pattern: '^[a-z0-9][a-z0-9_.-]{0,60}$',
    invalid: 'AISEC_INDEX_PREFIX must be lower-case letters, digits, "-", "_" or "." (got "{value}")',
  }),
  AISEC_EVENTS_RETENTION: optional('data stream lifecycle retention of events; unset keeps events', {
    pattern: '^\\d+[dhm]$',
    invalid: 'AISEC_EVENTS_RETENTION must look like 90d, 720h or 30m (got "{value}")',
  }),
  AISEC_API_KEYS: optional('comma-separated name=role:key entries (config.ts parseApiKeys)'),
  AISEC_AUTH_DISABLED: flag(false, 'local demo only: every request is admin'),
  AISEC_REPLICA_ID: optional("this replica's name in the leases; default host:pid"),
  AISEC_BODY_LIMIT_BYTES: whole(10 * 1024 * 1024, 1024, 1024 * 1024 * 1024, 'largest accepted request body'),
  AISEC_BULK_CHUNK: whole(1000, 1, 100_000, 'events per Elasticsearch _bulk request'),
  AISEC_EVENTS_SHARDS: whole(1, 1, 64, 'primary shards of the events data stream'),
  AISEC_CONTENT_MODE: oneOf(CONTENT_MODES, 'store', 'what is stored of input_text/output_text'),
  AISEC_MAX_CONCURRENT_INGEST: whole(16, 1, 10_000, 'ingest requests processed at once'),
  AISEC_MAX_STREAMS_PER_KEY: whole(8, 1, 10_000, 'open event streams one API key may hold'),
  AISEC_RATE_LIMIT_PER_MIN: whole(1200, 0, 10_000_000, 'requests per minute per API key; 0 disables'),
  AISEC_MAX_EVENT_LOOP_DELAY_MS: whole(1000, 0, 60_000, 'event-loop delay above which requests are shed; 0 disables'),

  // dashboard queries (docs/benchmarks-query.md)
  AISEC_ROLLUP_INTERVAL: text('1m', 'how often the rollups (hourly event counts, daily and hourly per-user counts) catch up with new events; "off" stops them (queries stay exact)', {
    pattern: '^(off|[1-9][0-9]{0,4}[smh])$',
    invalid: 'AISEC_ROLLUP_INTERVAL must look like 30s, 1m or 1h, or be "off" (got "{value}")',
  }),

  // UEBA and assurance (docs/ueba.md)
  AISEC_UEBA_REFRESH_INTERVAL: text('1h', 'how often baselines, risk and daily metrics are refreshed; "off" disables'),
  AISEC_UEBA_WINDOW_DAYS: whole(28, 1, 400, 'sliding baseline window, in days'),
  AISEC_UEBA_TIMEZONE: text('UTC', 'IANA time zone of hour-of-week slots'),
  AISEC_UEBA_ENTITY_PAGE: whole(250, 1, 2000, 'entities computed per round of aggregations'),
  AISEC_UEBA_COMPOSITE_PAGE: whole(5000, 10, 20_000, 'buckets per composite aggregation page'),
  AISEC_RISK_HALF_LIFE_DAYS: decimal(7, 0.1, 365, 'half-life of an alert in the risk score, in days'),
  AISEC_RISK_LOOKBACK_DAYS: whole(30, 1, 365, 'days of alerts in the risk score'),
  AISEC_METRICS_REFRESH_DAYS: whole(8, 1, 90, 'days of daily metrics each scheduled run recomputes'),

  // detection (docs/detection.md; the rules' tunables live in the detection config file)
  AISEC_DETECTION_CONFIG: optional('YAML file merged over config/detection.yaml'),
  AISEC_DETECTION_STREAMING: flag(true, 'run streaming detection in this process'),
  AISEC_DETECTION_POLL_MS: whole(250, 10, 60_000, 'poll interval'),
  AISEC_DETECTION_OVERLAP_MS: whole(3000, 0, 600_000, 're-read window behind the checkpoint'),
  AISEC_DETECTION_LOOKBACK: text('5m', 'where streaming starts without a checkpoint'),
  AISEC_DETECTION_BATCH: whole(20_000, 100, 100_000, 'events read per streaming poll'),
  AISEC_DETECTION_RULES_IN_PARALLEL: whole(6, 1, 16, 'rules streaming evaluates at the same time'),
  AISEC_DETECTION_FRESH_READS: flag(true, 'refresh the events before each streaming poll reads them'),
  AISEC_DETECTION_LEASE_MS: whole(15_000, 1000, 600_000, 'term of the streaming lease between replicas'),
  AISEC_DETECTION_PARTITIONS: whole(1, 1, MAX_PARTITIONS, 'rule groups streamed on their own lease, shared out among replicas'),
  AISEC_WEBHOOK_URLS: optional('comma-separated http(s) URLs to POST alerts to'),
  AISEC_WEBHOOK_MIN_SEVERITY: oneOf(SEVERITIES, 'high', 'lowest alert severity sent'),
  AISEC_WEBHOOK_SECRET: optional('HMAC-SHA256 key for X-Aisec-Signature'),
  AISEC_WEBHOOK_BACKOFF_MS: whole(500, 1, 600_000, 'first retry delay (doubles per retry)'),
  AISEC_WEBHOOK_MAX_BACKOFF_MS: whole(60_000, 1, 3_600_000, 'longest delay between attempts'),
  AISEC_WEBHOOK_MAX_AGE: text('24h', 'a notification undelivered this long is given up'),
  AISEC_WEBHOOK_SCAN_MS: whole(1000, 10, 60_000, 'how often the outbox is scanned'),
  AISEC_WEBHOOK_TIMEOUT_MS: whole(5000, 100, 120_000, 'per-request timeout'),
  AISEC_WEBHOOK_MAX_ATTEMPTS: removed(
    'AISEC_WEBHOOK_MAX_ATTEMPTS is no longer used: notifications are kept in the alert outbox until delivered or AISEC_WEBHOOK_MAX_AGE (default 24h) has passed; unset it',
  ),
  AISEC_WEBHOOK_QUEUE: removed(
    'AISEC_WEBHOOK_QUEUE is no longer used: notifications are kept in the alert outbox until delivered or AISEC_WEBHOOK_MAX_AGE (default 24h) has passed; unset it',
  ),

  // forensic exports
  AISEC_EXPORT_DIR: text('.data/exports', 'where export files are written (relative to the working directory)'),
  AISEC_EXPORT_SYNC_MAX_EVENTS: whole(10_000, 0, 10_000_000, 'exports of at most this many events answer when done (201)'),
  AISEC_EXPORT_EVENTS_PER_FILE: whole(500_000, 1, 100_000_000, 'events per NDJSON file'),
});

/** The environment as read against ENV_SCHEMA: defaults filled, bounds checked. */
export type EnvVars = Static<typeof ENV_SCHEMA>;
export type EnvVarName = keyof EnvVars;
export type EnvVarSchema = TSchema & { default?: unknown; minimum?: number; maximum?: number; pattern?: string; 'x-invalid'?: string; 'x-verbatim'?: boolean; 'x-removed'?: string };
