/**
 * Decorates the app with the UEBA and assurance service (`app.ueba`), binds UEBA scoring to the detection
 * engine (for `ueba_*` rules), and runs scheduled maintenance once the index bootstrap has completed
 * (AISEC_UEBA_REFRESH_INTERVAL; "off" disables it).
 */
import fp from 'fastify-plugin';
import type { UebaConfig } from '../../ueba/config.js';
import { judgeDriftSettingsOf } from '../../detection/types/drift.js';
import { bindUebaScoring } from '../../ueba/rule-type.js';
import { BaselineStore } from '../../elasticsearch/baseline-store.js';
import { Lease } from '../../elasticsearch/lease.js';
import { MetricStore } from '../../elasticsearch/metric-store.js';
import { SearchReader } from '../../elasticsearch/search-reader.js';
import { StateStore } from '../../elasticsearch/state-store.js';
import { maintenanceLeaseOptions, UebaScheduler } from '../../ueba/scheduler.js';
import { UebaService } from '../../ueba/ueba-service.js';
import type {} from './detection.js';

declare module 'fastify' {
  interface FastifyInstance {
    ueba: UebaService;
    /** scheduled maintenance; tests call `runOnce()` directly */
    uebaScheduler: UebaScheduler;
  }
}

export const ueba = fp<{ config: UebaConfig; replicaId: string }>(
  async (app, options) => {
    const access = { reader: new SearchReader(app.es), baselines: new BaselineStore(app.es, app.indices.baselines), metrics: new MetricStore(app.es, app.indices.metrics) };
    const service = new UebaService(access, app.indices, options.config);
    app.decorate('ueba', service);
    const lease = new Lease(app.es, app.indices.state, maintenanceLeaseOptions(options.config.refreshIntervalMs, options.replicaId));
    const scheduler = new UebaScheduler(service, new StateStore(app.es, app.indices.state), lease, app.log);
    app.decorate('uebaScheduler', scheduler);
    let startTimer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      // ueba_* detection rules score against the stored baselines: hand them to the detection engine, if present
      if (app.hasDecorator('detection')) {
        // judge drift in the API and daily metrics uses the judge_drift rule's own parameters (one definition)
        const rule = app.detection.catalogue.byId.get('judge_drift');
        if (rule?.type === 'drift') service.judgeDrift = judgeDriftSettingsOf(rule, app.detection.catalogue.config.timezone);
        bindUebaScoring(app.detection.store, { es: app.es, eventsIndex: app.indices.events, baselines: service.baselines, timeZone: options.config.timeZone });
      }
      if (options.config.refreshIntervalMs <= 0) return;
      // the scheduler needs the indices: wait for the bootstrap, which retries in the background while ES is down
      const startWhenReady = () => {
        if (app.readiness.bootstrap) void scheduler.start().catch((error: unknown) => app.log.warn({ err: error }, 'UEBA scheduler did not start'));
        else startTimer = setTimeout(startWhenReady, 5000).unref();
      };
      startWhenReady();
    });
    app.addHook('onClose', async () => {
      if (startTimer) clearTimeout(startTimer);
      await scheduler.stop();
    });
  },
  { name: 'ueba', dependencies: ['elasticsearch'] },
);
