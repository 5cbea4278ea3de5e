/**
 * Decorates the app with the UEBA and assurance service (`app.ueba`) and runs scheduled maintenance once the
 * index bootstrap has completed (AISEC_UEBA_REFRESH_INTERVAL; "off" disables it). `ueba_*` detection rules reach
 * the baselines through the evaluator app.ts composes (rule-evaluators.ts), not through this plugin.
 */
import fp from 'fastify-plugin';
import type { UebaConfig } from '../../ueba/config.js';
import type { JudgeDriftSettings } from '../../assurance/judge-drift-assessment.js';
import type { BaselineStore } from '../../elasticsearch/baseline-store.js';
import { EntityAlertReader } from '../../elasticsearch/entity-alert-reader.js';
import { Lease } from '../../elasticsearch/lease.js';
import { MetricStore } from '../../elasticsearch/metric-store.js';
import { SearchReader } from '../../elasticsearch/search-reader.js';
import { StateStore } from '../../elasticsearch/state-store.js';
import { maintenanceLeaseOptions, UebaScheduler } from '../../ueba/scheduler.js';
import { UebaService } from '../../ueba/ueba-service.js';
import { runAfterBootstrap } from './after-bootstrap.js';

declare module 'fastify' {
  interface FastifyInstance {
    ueba: UebaService;
    /** scheduled maintenance; tests call `runOnce()` directly */
    uebaScheduler: UebaScheduler;
  }
}

/** `baselines`: the one baseline store, shared with the ueba rule type's evaluator (its caches of absent baselines must see rebuilds) */
export const ueba = fp<{ config: UebaConfig; replicaId: string; judgeDrift: JudgeDriftSettings; baselines: BaselineStore }>(
  async (app, options) => {
    const access = {
      reader: new SearchReader(app.es),
      alerts: new EntityAlertReader(app.es, app.indices.alerts),
      baselines: options.baselines,
      metrics: new MetricStore(app.es, app.indices.metrics),
    };
    const service = new UebaService(access, app.indices, options.config, options.judgeDrift);
    app.decorate('ueba', service);
    const lease = new Lease(app.es, app.indices.state, maintenanceLeaseOptions(options.config.refreshIntervalMs, options.replicaId));
    const scheduler = new UebaScheduler(service, new StateStore(app.es, app.indices.state), lease, app.log);
    app.decorate('uebaScheduler', scheduler);
    if (options.config.refreshIntervalMs > 0) {
      runAfterBootstrap(app, {
        start: () => void scheduler.start().catch((error: unknown) => app.log.warn({ err: error }, 'UEBA scheduler did not start')),
        stop: () => scheduler.stop(),
      });
    } else app.addHook('onClose', () => scheduler.stop());
  },
  { name: 'ueba', dependencies: ['elasticsearch'] },
);
