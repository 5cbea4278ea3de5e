/**
 * Background work that needs the indices (the UEBA scheduler, the hourly rollup) starts once the index bootstrap has
 * completed — it retries in the background while Elasticsearch is down — and stops when the app closes.
 */
import type { FastifyInstance } from 'fastify';

const RECHECK_MS = 5000;

export function runAfterBootstrap(app: FastifyInstance, work: { start: () => void; stop: () => Promise<void> }): void {
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    const startWhenReady = () => {
      if (app.readiness.bootstrap) work.start();
      else timer = setTimeout(startWhenReady, RECHECK_MS).unref();
    };
    startWhenReady();
  });
  app.addHook('onClose', async () => {
    if (timer) clearTimeout(timer);
    await work.stop();
  });
}
