/**
 * Decorates the app with the hourly rollup job (event counts and per-user counts) (`app.rollups`; tests and the query benchmark call `runOnce()`)
 * and runs it every AISEC_ROLLUP_INTERVAL once the index bootstrap has completed. Every replica runs it: a run
 * recomputes whole hours and versions what it writes by its watermark, so concurrent runs cannot double count.
 */
import fp from 'fastify-plugin';
import { RollupStore } from '../../elasticsearch/rollup-store.js';
import { DAILY_USER_COUNTS, HOURLY_COUNTS, HOURLY_USER_COUNTS } from '../../rollups/hourly-rollup.js';
import { RollupJob, RollupScheduler } from '../../rollups/rollup-job.js';
import { runAfterBootstrap } from './after-bootstrap.js';

declare module 'fastify' {
  interface FastifyInstance {
    rollups: RollupJob;
  }
}

export const rollups = fp<{ intervalMs: number }>(
  async (app, options) => {
    const job = new RollupJob([
      new RollupStore(app.es, app.indices.events, app.indices.eventsHourly, HOURLY_COUNTS),
      new RollupStore(app.es, app.indices.events, app.indices.eventsDailyUsers, DAILY_USER_COUNTS),
      new RollupStore(app.es, app.indices.events, app.indices.eventsHourlyUsers, HOURLY_USER_COUNTS),
    ]);
    app.decorate('rollups', job);
    const scheduler = new RollupScheduler(job, options.intervalMs, app.log);
    if (options.intervalMs > 0) runAfterBootstrap(app, { start: () => scheduler.start(), stop: () => scheduler.stop() });
    else app.addHook('onClose', () => scheduler.stop());
  },
  { name: 'rollups', dependencies: ['elasticsearch'] },
);
