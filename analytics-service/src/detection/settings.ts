/**
 * Detection settings from the environment (the rules' tunables live in the detection config file instead):
 *
 *   AISEC_DETECTION_CONFIG          YAML file merged over config/detection.yaml (thresholds, windows, lists)
 *   AISEC_DETECTION_STREAMING       true (default) | false — run streaming detection in this process
 *   AISEC_DETECTION_POLL_MS         poll interval, default 250
 *   AISEC_DETECTION_OVERLAP_MS      re-read window behind the checkpoint, default 3000
 *   AISEC_DETECTION_LOOKBACK        where streaming starts without a checkpoint, default 5m
 *   AISEC_DETECTION_LEASE_MS        term of the streaming lease between replicas, default 15000: a survivor
 *                                   takes over streaming at most this long (plus a fifth) after a replica dies
 *   AISEC_WEBHOOK_URLS              comma-separated http(s) URLs to POST alerts to
 *   AISEC_WEBHOOK_MIN_SEVERITY      lowest alert severity sent, default high
 *   AISEC_WEBHOOK_SECRET            HMAC-SHA256 key for X-Aisec-Signature (recommended)
 *   AISEC_WEBHOOK_BACKOFF_MS        first retry delay, default 500 (doubles per retry)
 *   AISEC_WEBHOOK_MAX_BACKOFF_MS    longest delay between attempts, default 60000
 *   AISEC_WEBHOOK_MAX_AGE           a notification undelivered this long is given up (expired), default 24h
 *   AISEC_WEBHOOK_SCAN_MS           how often the outbox is scanned for due retries and what other replicas left, default 1000
 *   AISEC_WEBHOOK_TIMEOUT_MS        per-request timeout, default 5000
 */
import { SEVERITIES, type Severity } from '../contract/event-schema.js';
import { ConfigError, flagVar, numberVar, type Env } from '../env-vars.js';
import { durationMs } from './duration.js';
import type { WebhookSettings } from './webhooks.js';

export interface DetectionSettings {
  configPath?: string;
  streaming: {
    enabled: boolean;
    pollMs: number;
    overlapMs: number;
    initialLookbackMs: number;
    batchSize: number;
    leaseMs: number;
  };
  webhooks: WebhookSettings;
}

export function loadDetectionSettings(env: Env): DetectionSettings {
  const lookback = env.AISEC_DETECTION_LOOKBACK?.trim() || '5m';
  let initialLookbackMs: number;
  try {
    initialLookbackMs = durationMs(lookback);
  } catch {
    throw new ConfigError(`AISEC_DETECTION_LOOKBACK must look like 30s, 5m, 1h or 7d (got "${lookback}")`);
  }
  const urls = (env.AISEC_WEBHOOK_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`AISEC_WEBHOOK_URLS has an entry that is not a URL: "${url}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(`AISEC_WEBHOOK_URLS entries must be http(s) URLs (got "${url}")`);
  }
  const minSeverity = (env.AISEC_WEBHOOK_MIN_SEVERITY?.trim() || 'high') as Severity;
  if (!SEVERITIES.includes(minSeverity)) throw new ConfigError(`AISEC_WEBHOOK_MIN_SEVERITY must be one of ${SEVERITIES.join(', ')} (got "${minSeverity}")`);
  const secret = env.AISEC_WEBHOOK_SECRET?.trim() || undefined;
  for (const removed of ['AISEC_WEBHOOK_MAX_ATTEMPTS', 'AISEC_WEBHOOK_QUEUE']) {
    if (env[removed]?.trim())
      throw new ConfigError(`${removed} is no longer used: notifications are kept in the alert outbox until delivered or AISEC_WEBHOOK_MAX_AGE (default 24h) has passed; unset it`);
  }
  const maxAge = env.AISEC_WEBHOOK_MAX_AGE?.trim() || '24h';
  let maxAgeMs: number;
  try {
    maxAgeMs = durationMs(maxAge);
  } catch {
    throw new ConfigError(`AISEC_WEBHOOK_MAX_AGE must look like 30m, 24h or 7d (got "${maxAge}")`);
  }
  const configPath = env.AISEC_DETECTION_CONFIG?.trim() || undefined;
  return {
    ...(configPath ? { configPath } : {}),
    streaming: {
      enabled: flagVar(env, 'AISEC_DETECTION_STREAMING', true),
      pollMs: numberVar(env, 'AISEC_DETECTION_POLL_MS', 250, 10, 60_000),
      overlapMs: numberVar(env, 'AISEC_DETECTION_OVERLAP_MS', 3000, 0, 600_000),
      initialLookbackMs,
      batchSize: numberVar(env, 'AISEC_DETECTION_BATCH', 5000, 100, 100_000),
      leaseMs: numberVar(env, 'AISEC_DETECTION_LEASE_MS', 15_000, 1000, 600_000),
    },
    webhooks: {
      urls,
      minSeverity,
      ...(secret ? { secret } : {}),
      baseDelayMs: numberVar(env, 'AISEC_WEBHOOK_BACKOFF_MS', 500, 1, 600_000),
      maxDelayMs: numberVar(env, 'AISEC_WEBHOOK_MAX_BACKOFF_MS', 60_000, 1, 3_600_000),
      maxAgeMs,
      timeoutMs: numberVar(env, 'AISEC_WEBHOOK_TIMEOUT_MS', 5000, 100, 120_000),
      scanMs: numberVar(env, 'AISEC_WEBHOOK_SCAN_MS', 1000, 10, 60_000),
    },
  };
}
