/**
 * Decorates the app with the UEBA and assurance service (`app.ueba`), binds UEBA scoring to the detection
 * engine (for `ueba_*` rules), and runs scheduled maintenance once the index bootstrap has completed
 * (AISEC_UEBA_REFRESH_INTERVAL; "off" disables it).
 */
import fp from 'fastify-plugin';
import type { UebaConfig } from '../../ueba/config.js';
import { judgeDriftSettingsOf } from '../../detection/types/drift.js';
import { huntBaselines } from '../../ueba/hunt-baselines.js';
import { bindUebaScoring } from '../../ueba/rule-type.js';
import { UebaScheduler } from '../../ueba/scheduler.js';
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
    const service = new UebaService(app.es, app.indices, options.config);
    app.decorate('ueba', service);
    const scheduler = new UebaScheduler(service, app.es, app.indices.state, app.log, options.replicaId);
    app.decorate('uebaScheduler', scheduler);
    let startTimer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      // ueba_* detection rules score against the stored baselines: hand them to the detection engine, if present
      if (app.hasDecorator('detection')) {
        // judge drift in the API and daily metrics uses the judge_drift rule's own parameters (one definition)
        const rule = app.detection.catalogue.byId.get('judge_drift');
        if (rule?.type === 'drift') service.judgeDrift = judgeDriftSettingsOf(rule, app.detection.catalogue.config.timezone);
        bindUebaScoring(app.detection.store, { es: app.es, eventsIndex: app.indices.events, baselines: service.baselines, timeZone: options.config.timeZone });
        // a retro-hunt with history-based UEBA rules needs baselines covering the hunted range: rebuilt when missing
        app.detection.retroHunts.useBaselines(huntBaselines(app.es, service, options.config.windowDays));
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
