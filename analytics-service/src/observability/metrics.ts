/**
 * The service's own Prometheus metrics (prom-client), served at GET /metrics.
 *
 * One registry per process: counters and histograms are module-level so that domain code records with one line
 * (`metrics.rulesEvaluated...`) without knowing about HTTP or plugins. Several apps built in one process (tests)
 * share it, which is what a process-level scrape means anyway.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IngestResult } from '../ingest/ingest-events.js';

export const registry = new Registry();

let defaultsCollected = false;
/** Node.js process metrics (CPU, memory, event loop lag, GC); started once, by the first app built. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: registry });
}

const SECONDS_FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SECONDS_LAG = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900];

export const metrics = {
  events: new Counter({
    name: 'aisec_events_total',
    help: 'Events received through POST /v1/events, by outcome: accepted (stored), rejected (invalid), duplicate (event_id already stored)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  ingestDuration: new Histogram({
    name: 'aisec_ingest_request_duration_seconds',
    help: 'Time to answer POST /v1/events: parse, validate and write the batch to Elasticsearch',
    buckets: SECONDS_FAST,
    registers: [registry],
  }),
  ingestBatchEvents: new Histogram({
    name: 'aisec_ingest_batch_events',
    help: 'Events per POST /v1/events request',
    buckets: [1, 10, 100, 500, 1000, 5000, 10000, 50000],
    registers: [registry],
  }),
  detectionLag: new Histogram({
    name: 'aisec_detection_lag_seconds',
    help: 'Streaming detection: time from an event\'s event.ingested to the end of its rule evaluation (alerts written)',
    buckets: SECONDS_LAG,
    registers: [registry],
  }),
  ruleEvaluation: new Histogram({
    name: 'aisec_rule_evaluation_duration_seconds',
    help: 'Time to evaluate one rule over one scope (streaming batch or retro-hunt day), including alert writes',
    labelNames: ['rule_id'] as const,
    buckets: SECONDS_FAST,
    registers: [registry],
  }),
  elasticsearchErrors: new Counter({
    name: 'aisec_elasticsearch_errors_total',
    help: 'Elasticsearch requests that failed for availability reasons, by kind: connection, timeout, too_many_requests (429), server (5xx)',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  webhookDeliveries: new Counter({
    name: 'aisec_webhook_deliveries_total',
    help: 'Alert webhook delivery outcomes: delivered, failed (an attempt; retried until delivered or expired), expired (given up at AISEC_WEBHOOK_MAX_AGE)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  webhookPending: new Gauge({
    name: 'aisec_webhook_pending',
    help: 'Alert webhook notifications stored in the outbox and not yet delivered (all replicas), as of the last outbox scan',
    registers: [registry],
  }),
  webhookOldestPending: new Gauge({
    name: 'aisec_webhook_oldest_pending_seconds',
    help: 'Age of the oldest undelivered alert webhook notification (0 when none), as of the last outbox scan',
    registers: [registry],
  }),
  httpRequests: new Histogram({
    name: 'aisec_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: SECONDS_FAST,
    registers: [registry],
  }),
  streamClients: new Gauge({
    name: 'aisec_event_stream_clients',
    help: 'Open GET /v1/events/stream connections',
    registers: [registry],
  }),
  exports: new Counter({
    name: 'aisec_exports_total',
    help: 'Forensic exports finished, by status (completed, failed)',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
};

/** Hook for the ingest route: counts of one POST /v1/events answer. */
export function recordIngest(result: Pick<IngestResult, 'accepted' | 'rejected' | 'duplicates'>, seconds: number): void {
  if (result.accepted) metrics.events.inc({ outcome: 'accepted' }, result.accepted);
  if (result.rejected) metrics.events.inc({ outcome: 'rejected' }, result.rejected);
  if (result.duplicates) metrics.events.inc({ outcome: 'duplicate' }, result.duplicates);
  metrics.ingestBatchEvents.observe(result.accepted + result.rejected + result.duplicates);
  metrics.ingestDuration.observe(seconds);
}

/** Hook for streaming detection: the events (by event.ingested, epoch ms) whose evaluation just finished. */
export function recordDetectionLag(ingestedMs: readonly number[], now = Date.now()): void {
  for (const ingested of ingestedMs) metrics.detectionLag.observe(Math.max(0, now - ingested) / 1000);
}

/** Hook for the detection engine: starts timing one rule evaluation; call the result when it is done. */
export function timeRuleEvaluation(ruleId: string): () => void {
  const end = metrics.ruleEvaluation.startTimer({ rule_id: ruleId });
  return () => void end();
}
