/**
 * The query benchmark's rollup step: runs the service's hourly rollup job over everything loaded (from scratch when
 * `fromScratch`, i.e. after the watermark was removed), timed, and reports the rollup index's size.
 *
 * The job's settle margin is 0 here: loading has finished and the events are refreshed, so every event is
 * searchable. In the service the margin is 5 minutes, so queries also read those minutes' events raw.
 */
import type { Client } from '@elastic/elasticsearch';
import type { IndexNames } from '../analytics-service/src/elasticsearch/index-names.js';
import type { RollupStore } from '../analytics-service/src/elasticsearch/rollup-store.js';
import { RollupJob, type RollupRunReport } from '../analytics-service/src/rollups/rollup-job.js';

export interface RollupBuild {
  /** the rollup's index */
  index?: string;
  run: RollupRunReport;
  /** rollup rows in the index after the run, and its size */
  rows: number;
  mib: number;
}

/** Runs the job over `store` (the hourly event counts, or the daily per-user counts; see query.ts) and measures its index. */
export async function buildRollup(es: Client, names: IndexNames, store: RollupStore, fromScratch: boolean): Promise<RollupBuild> {
  await es.indices.refresh({ index: names.events });
  if (fromScratch) await store.resetWatermark();
  const run = await new RollupJob(store, 0).runOnce();
  if (!run.committed) throw new Error('the rollup run did not commit its watermark');
  const stats = await es.indices.stats({ index: store.index, metric: ['docs', 'store'] });
  const primaries = stats._all.primaries!;
  return { index: store.index, run, rows: primaries.docs?.count ?? 0, mib: (primaries.store?.size_in_bytes ?? 0) / 2 ** 20 };
}
