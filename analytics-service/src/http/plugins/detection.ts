/**
 * Wires the detection engine into the app: the rule catalogue and the evaluators app.ts composed, decorates `app.detection`, starts streaming detection once
 * the app is ready, with the webhook outbox's deliverer, and stops both on close. Streaming runs as one partition per
 * rule group (AISEC_DETECTION_PARTITIONS, default one), each on its own lease; the webhook outbox is delivered by
 * the holder of the first partition (the same Lease object, so they always agree on who that is).
 */
import fp from 'fastify-plugin';
import type { EsClient } from '../../elasticsearch/client.js';
import { AlertStore } from '../../elasticsearch/alert-store.js';
import { DetectionStore } from '../../elasticsearch/detection-store.js';
import { Lease } from '../../elasticsearch/lease.js';
import { Membership } from '../../elasticsearch/membership.js';
import { partitionIds, partitionRules, PartitionBalancer, resumePointOfOthers } from '../../detection/partitions.js';
import type { IndexNames } from '../../elasticsearch/index-names.js';
import type { Catalogue } from '../../detection/catalogue.js';
import { DetectionEngine } from '../../detection/engine.js';
import type { EvaluatorTable } from '../../detection/evaluators.js';
import { RetroHunts } from '../../detection/retro-hunt.js';
import type { DetectionSettings } from '../../detection/settings.js';
import { RecentEvents } from '../../detection/recent-events.js';
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
  /** the first (with one partition, the only) streaming partition */
  streaming: StreamingDetector;
  /** every streaming partition: its rules and its detector (AISEC_DETECTION_PARTITIONS) */
  partitions: Array<{ index: number; rules: string[]; streaming: StreamingDetector }>;
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

/** How long an event this process stored stays at hand for streaming (recent-events.ts): a few polls' worth. */
const RECENT_EVENTS_MS = 30_000;

export const detection = fp<DetectionPluginOptions>(
  async (app, options) => {
    const { catalogue } = options;
    const store = new DetectionStore(options.client, options.indices);
    const alerts = new AlertStore(options.client, options.indices.alerts);
    const { leaseMs, partitions: count, ...streamingSettings } = options.settings.streaming;
    const partitionSets = partitionRules(catalogue.rules.filter((r) => r.enabled), count);
    const leases = partitionSets.map((_, i) => new Lease(options.client, options.indices.state, { id: partitionIds(i, count).leaseId, owner: options.replicaId, termMs: leaseMs }));
    // webhooks are delivered by the holder of the first partition's lease; a replica that does not stream takes it
    // only until a streaming one asks for it (yields), or a restarted streaming replica could never stream again
    const deliveryLease = options.settings.streaming.enabled
      ? leases[0]!
      : new Lease(options.client, options.indices.state, { id: partitionIds(0, count).leaseId, owner: options.replicaId, termMs: leaseMs, yields: true });
    const webhooks = new WebhookOutbox(options.settings.webhooks, alerts, deliveryLease, app.log);
    const { urls: receivers, minSeverity } = options.settings.webhooks;
    const engineOptions = { catalogue, store, alerts, evaluators: options.evaluators, notifications: { targets: { receivers, minSeverity }, written: () => webhooks.kick() } };
    const engine = new DetectionEngine(engineOptions);
    const membership = new Membership(options.client, options.indices.state, { id: 'detection:streaming-members', owner: options.replicaId, termMs: leaseMs });
    const balancer =
      count > 1
        ? new PartitionBalancer({ partitions: count, holds: (i) => leases[i]!.holding, heartbeat: () => membership.heartbeat(), leave: () => membership.leave(), intervalMs: leaseMs / 5, log: app.log })
        : undefined;
    const resumeFrom = () => resumePointOfOthers(count, (ids) => store.readCheckpoints(ids));
    // what this process stores, streaming here need not read back (kept while some partition streams here)
    const recent: RecentEvents = new RecentEvents({ maxEntries: 2 * streamingSettings.batchSize, maxAgeMs: RECENT_EVENTS_MS, active: (): boolean => partitions.some((p) => p.streaming.stats.leader) });
    if (options.settings.streaming.enabled) app.events.onCreated((docs) => recent.add(docs));
    const partitions = partitionSets.map((rules, i) => ({
      index: i,
      rules: rules.map((r) => r.id),
      streaming: new StreamingDetector(count === 1 ? engine : new DetectionEngine({ ...engineOptions, streamingRules: rules.map((r) => r.id) }), store, {
        ...streamingSettings,
        checkpointId: partitionIds(i, count).checkpointId,
        lease: leases[i]!,
        resumeFrom,
        ...(balancer ? { wanted: () => balancer.wants(i) } : {}),
        recent,
        isReady: () => app.readiness.bootstrap !== undefined,
        log: app.log,
      }),
    }));
    const streaming = partitions[0]!.streaming;
    app.decorate('detection', { catalogue, evaluators: options.evaluators, engine, alerts, store, retroHunts: new RetroHunts(engine), streaming, partitions, webhooks, settings: options.settings });

    app.addHook('onReady', async () => {
      if (options.settings.streaming.enabled) {
        balancer?.start();
        for (const p of partitions) p.streaming.start();
      }
      webhooks.start();
      app.log.info(
        { rules: catalogue.rules.filter((r) => r.enabled).length, streaming: options.settings.streaming.enabled, webhooks: options.settings.webhooks.urls.length },
        'detection engine ready',
      );
    });
    app.addHook('onClose', async () => {
      await webhooks.stop();
      await balancer?.stop(); // leaves the membership: the others take this replica's share
      await Promise.all(partitions.map((p) => p.streaming.stop())); // releases the leases
    });
  },
  { name: 'detection', dependencies: ['elasticsearch'] },
);
