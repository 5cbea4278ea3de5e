/**
 * Detection settings, from the environment as read against the settings schema (settings/env-schema.ts; the rules'
 * tunables live in the detection config file instead):
 *
 *   AISEC_DETECTION_CONFIG          YAML file merged over config/detection.yaml (thresholds, windows, lists)
 *   AISEC_DETECTION_STREAMING       true (default) | false — run streaming detection in this process
 *   AISEC_DETECTION_POLL_MS         poll interval, default 250
 *   AISEC_DETECTION_OVERLAP_MS      re-read window behind the checkpoint, default 3000
 *   AISEC_DETECTION_LOOKBACK        where streaming starts without a checkpoint, default 5m
 *   AISEC_DETECTION_BATCH           most events per streaming read (one slice; the checkpoint advances per slice) and per evaluation of a rule, default 20000
 *   AISEC_DETECTION_RULES_IN_PARALLEL  rule evaluations at the same time, default 6 (they wait on Elasticsearch)
 *   AISEC_DETECTION_FRESH_READS     true (default) | false — refresh the events before each read of new events
 *   AISEC_DETECTION_PARTITIONS      rule groups streamed each on its own lease and checkpoint, shared out among the
 *                                   replicas alive (1–16, default 1: one replica streams every rule); partitions.ts
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
import type { EnvVars } from '../settings/env-schema.js';
import { ConfigError } from '../settings/read-env.js';
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
    rulesInParallel: number;
    /** refresh the events before each poll reads them (StreamingOptions.freshReads) */
    freshReads: boolean;
    leaseMs: number;
    /** rule groups streamed on their own lease and checkpoint, shared out among replicas (partitions.ts) */
    partitions: number;
  };
  webhooks: WebhookSettings;
}

export function loadDetectionSettings(vars: EnvVars): DetectionSettings {
  const lookback = vars.AISEC_DETECTION_LOOKBACK;
  let initialLookbackMs: number;
  try {
    initialLookbackMs = durationMs(lookback);
  } catch {
    throw new ConfigError(`AISEC_DETECTION_LOOKBACK must look like 30s, 5m, 1h or 7d (got "${lookback}")`);
  }
  const urls = (vars.AISEC_WEBHOOK_URLS ?? '')
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
  const minSeverity = vars.AISEC_WEBHOOK_MIN_SEVERITY;
  const secret = vars.AISEC_WEBHOOK_SECRET;
  const maxAge = vars.AISEC_WEBHOOK_MAX_AGE;
  let maxAgeMs: number;
  try {
    maxAgeMs = durationMs(maxAge);
  } catch {
    throw new ConfigError(`AISEC_WEBHOOK_MAX_AGE must look like 30m, 24h or 7d (got "${maxAge}")`);
  }
  const configPath = vars.AISEC_DETECTION_CONFIG;
  return {
    ...(configPath ? { configPath } : {}),
    streaming: {
      enabled: vars.AISEC_DETECTION_STREAMING,
      pollMs: vars.AISEC_DETECTION_POLL_MS,
      overlapMs: vars.AISEC_DETECTION_OVERLAP_MS,
      initialLookbackMs,
      batchSize: vars.AISEC_DETECTION_BATCH,
      rulesInParallel: vars.AISEC_DETECTION_RULES_IN_PARALLEL,
      freshReads: vars.AISEC_DETECTION_FRESH_READS,
      leaseMs: vars.AISEC_DETECTION_LEASE_MS,
      partitions: vars.AISEC_DETECTION_PARTITIONS,
    },
    webhooks: {
      urls,
      minSeverity,
      ...(secret ? { secret } : {}),
      baseDelayMs: vars.AISEC_WEBHOOK_BACKOFF_MS,
      maxDelayMs: vars.AISEC_WEBHOOK_MAX_BACKOFF_MS,
      maxAgeMs,
      timeoutMs: vars.AISEC_WEBHOOK_TIMEOUT_MS,
      scanMs: vars.AISEC_WEBHOOK_SCAN_MS,
    },
  };
}
