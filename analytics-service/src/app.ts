/**
 * The service, as a table of contents: external plugins, then the application's own, then routes.
 * Tests build it with `buildApp()` and call `app.inject()`; `main.ts` adds the process around it.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import helmet from '@fastify/helmet';
import type { EsClient } from './elasticsearch/client.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ServiceConfig } from './config.js';
import { loadCatalogue } from './detection/catalogue.js';
import { loadDetectionConfig } from './detection/config-schema.js';
import { indexNames } from './elasticsearch/index-names.js';
import { apiKeyAuth, findRole, keyDigests } from './http/auth/api-key-auth.js';
import { elasticsearch } from './http/plugins/elasticsearch.js';
import { detection } from './http/plugins/detection.js';
import { contentEncoding } from './http/plugins/content-encoding.js';
import { errorHandler } from './http/plugins/error-handler.js';
import { loadProtection } from './http/plugins/load-protection.js';
import { openapi } from './http/plugins/openapi.js';
import { ueba } from './http/plugins/ueba.js';
import { rollups } from './http/plugins/rollups.js';
import { baselineRoutes } from './http/routes/baselines.js';
import { alertRoutes } from './http/routes/alerts.js';
import { contentPackRoutes } from './http/routes/content-pack.js';
import { detectionRoutes } from './http/routes/detections.js';
import { eventRoutes } from './http/routes/events.js';
import { ingestAdmission } from './http/ingest-admission.js';
import { otlpRoutes } from './http/routes/otlp.js';
import { healthRoutes } from './http/routes/health.js';
import { metricRoutes } from './http/routes/metrics.js';
import { queryRoutes } from './http/routes/query.js';
import { ruleRoutes } from './http/routes/rules.js';
import { redactedLogOptions } from './logging.js';
import { judgeDriftSettings, ruleEvaluators } from './rule-evaluators.js';
import { BaselineStore } from './elasticsearch/baseline-store.js';
import { huntBaselines } from './ueba/hunt-baselines.js';
import { QuietPollsLogController } from './observability/request-log.js';
import { observability } from './observability/plugin.js';
import { generateRequestId } from './observability/request-id.js';
import { exportRoutes } from './http/routes/exports.js';
import { serviceMetricsRoutes } from './http/routes/service-metrics.js';
import { streamRoutes } from './http/routes/stream.js';
import { createContentTransform } from './ingest/content-mode.js';

export interface AppDependencies {
  config: ServiceConfig;
  es: EsClient;
  /** logger options, `false` for none, or a ready pino instance (tests capture output with one) */
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger;
}

const isLoggerInstance = (logger: AppDependencies['logger']): logger is FastifyBaseLogger =>
  typeof logger === 'object' && logger !== null && typeof (logger as FastifyBaseLogger).info === 'function';

export async function buildApp({ config, es, logger }: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    ...(isLoggerInstance(logger) ? { loggerInstance: logger } : { logger: logger ?? redactedLogOptions(config.logLevel, config.logFormat) }),
    // /ready and /metrics polls are logged at debug, every other request at info
    logController: new QuietPollsLogController(),
    bodyLimit: config.bodyLimitBytes,
    // onReady waits for the index bootstrap; on a loaded machine that can take longer than Fastify's 10 s default
    pluginTimeout: 120_000,
    // generateRequestId reads x-request-id itself and takes it only when it looks like an id
    requestIdHeader: false,
    genReqId: generateRequestId,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // external plugins
  await app.register(helmet, { contentSecurityPolicy: false });
  await app.register(openapi);

  // the application's own plugins
  await app.register(observability, { es });
  await app.register(errorHandler, { bodyLimitBytes: config.bodyLimitBytes });
  // before auth, so that guessing keys is rate-limited too
  const keys = keyDigests(config.apiKeys);
  await app.register(loadProtection, {
    rateLimitPerMinute: config.rateLimitPerMinute,
    maxEventLoopDelayMs: config.maxEventLoopDelayMs,
    isKnownKey: (token) => findRole(keys, token) !== undefined,
  });
  await app.register(apiKeyAuth, { apiKeys: config.apiKeys, disabled: config.authDisabled });
  await app.register(contentEncoding);
  const indices = indexNames(config.indexPrefix);
  await app.register(elasticsearch, {
    client: es,
    indices,
    eventsShards: config.eventsShards,
    ...(config.eventsRetention ? { eventsRetention: config.eventsRetention } : {}),
  });
  // hourly event counts for the dashboard queries (rollups/hourly-rollup.ts)
  await app.register(rollups, { intervalMs: config.rollupIntervalMs });
  // the rules, and what each rule type needs to evaluate (UEBA's baselines), composed here once
  const catalogue = loadCatalogue(loadDetectionConfig(config.detection.configPath));
  const baselines = new BaselineStore(es, indices.baselines);
  await app.register(ueba, { config: config.ueba, replicaId: config.replicaId, judgeDrift: judgeDriftSettings(catalogue), baselines });
  const evaluators = ruleEvaluators(es, indices, config.ueba, baselines);
  await app.register(detection, { client: es, indices, settings: config.detection, replicaId: config.replicaId, catalogue, evaluators });
  // a retro-hunt with history-based UEBA rules rebuilds the baselines it needs first, and says so
  app.detection.retroHunts.useBaselines(huntBaselines(app.ueba, config.ueba.windowDays));

  // routes
  await app.register(healthRoutes);
  // redaction uses the same secret patterns the content rules look for
  const detectors = app.detection.catalogue.rules.flatMap((rule) => (rule.type === 'content_match' ? rule.detectors : []));
  const ingest = {
    bodyLimitBytes: config.bodyLimitBytes,
    bulkChunkSize: config.bulkChunkSize,
    admission: ingestAdmission(config.maxConcurrentIngest),
    contentTransform: createContentTransform(config.contentMode, detectors),
  };
  await app.register(eventRoutes, ingest);
  // OTLP/HTTP (OpenTelemetry SDKs and collectors) into the same ingest pipeline, under the same bound
  await app.register(otlpRoutes, ingest);
  await app.register(baselineRoutes);
  await app.register(metricRoutes);
  await app.register(queryRoutes);
  await app.register(alertRoutes);
  await app.register(ruleRoutes);
  await app.register(detectionRoutes);
  await app.register(contentPackRoutes);
  await app.register(streamRoutes, { maxPerKey: config.maxStreamsPerKey });
  await app.register(exportRoutes, { settings: config.exports });
  await app.register(serviceMetricsRoutes);

  return app;
}
