/**
 * Wires the detection engine into the app: the rule catalogue and the evaluators app.ts composed, decorates `app.detection`, starts streaming detection once
 * the app is ready, with the webhook outbox's deliverer, and stops both on close. Both run in the replica that
 * holds the streaming lease (one Lease object, so they always agree on who that is).
 */
import fp from 'fastify-plugin';
import type { EsClient } from '../../elasticsearch/client.js';
import { AlertStore } from '../../elasticsearch/alert-store.js';
import { DetectionStore } from '../../elasticsearch/detection-store.js';
import { Lease } from '../../elasticsearch/lease.js';
import type { IndexNames } from '../../elasticsearch/index-names.js';
import type { Catalogue } from '../../detection/catalogue.js';
import { DetectionEngine } from '../../detection/engine.js';
import type { EvaluatorTable } from '../../detection/evaluators.js';
import { RetroHunts } from '../../detection/retro-hunt.js';
import type { DetectionSettings } from '../../detection/settings.js';
import { StreamingDetector } from '../../detection/streaming.js';
import { WebhookOutbox } from '../../detection/webhooks.js';

export interface Detection {
  catalogue: Catalogue;
  /** the evaluator (and export) of every rule type */
  evaluators: EvaluatorTable;
  engine: DetectionEngine;
  alerts: AlertStore;
  store: DetectionStore;
  retroHunts: RetroHunts;
  streaming: StreamingDetector;
  webhooks: WebhookOutbox;
  settings: DetectionSettings;
}

declare module 'fastify' {
  interface FastifyInstance {
    detection: Detection;
  }
}

export interface DetectionPluginOptions {
  client: EsClient;
  indices: IndexNames;
  settings: DetectionSettings;
  /** this replica's name in the streaming lease */
  replicaId: string;
  /** the rules and detection config (loaded by app.ts: a bad rule or config stops the start with a clear message) */
  catalogue: Catalogue;
  /** the evaluator of every rule type (rule-evaluators.ts) */
  evaluators: EvaluatorTable;
}

export const detection = fp<DetectionPluginOptions>(
  async (app, options) => {
    const { catalogue } = options;
    const store = new DetectionStore(options.client, options.indices);
    const alerts = new AlertStore(options.client, options.indices.alerts);
    const { leaseMs, ...streamingSettings } = options.settings.streaming;
    const lease = new Lease(options.client, options.indices.state, { id: 'detection:streaming-lease', owner: options.replicaId, termMs: leaseMs });
    const webhooks = new WebhookOutbox(options.settings.webhooks, alerts, lease, app.log);
    const { urls: receivers, minSeverity } = options.settings.webhooks;
    const engine = new DetectionEngine({ catalogue, store, alerts, evaluators: options.evaluators, notifications: { targets: { receivers, minSeverity }, written: () => webhooks.kick() } });
    const streaming = new StreamingDetector(engine, store, {
      ...streamingSettings,
      checkpointId: 'detection-checkpoint',
      lease,
      isReady: () => app.readiness.bootstrap !== undefined,
      log: app.log,
    });
    app.decorate('detection', { catalogue, evaluators: options.evaluators, engine, alerts, store, retroHunts: new RetroHunts(engine), streaming, webhooks, settings: options.settings });

    app.addHook('onReady', async () => {
      if (options.settings.streaming.enabled) streaming.start();
      webhooks.start();
      app.log.info(
        { rules: catalogue.rules.filter((r) => r.enabled).length, streaming: options.settings.streaming.enabled, webhooks: options.settings.webhooks.urls.length },
        'detection engine ready',
      );
    });
    app.addHook('onClose', async () => {
      await webhooks.stop();
      await streaming.stop(); // releases the lease
    });
  },
  { name: 'detection', dependencies: ['elasticsearch'] },
);
