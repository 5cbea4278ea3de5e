/**
 * Forensic export settings from the environment:
 *
 *   AISEC_EXPORT_DIR              where export files are written, default .data/exports (relative to the working directory)
 *   AISEC_EXPORT_SYNC_MAX_EVENTS  exports of at most this many events answer when done (201); larger ones run in the
 *                                 background and answer 202 at once, default 10000
 *   AISEC_EXPORT_EVENTS_PER_FILE  events per NDJSON file before a new file is started, default 500000
 */
import { resolve } from 'node:path';
import { numberVar, type Env } from '../env-vars.js';

export interface ExportSettings {
  dir: string;
  syncMaxEvents: number;
  eventsPerFile: number;
}

export function loadExportSettings(env: Env): ExportSettings {
  return {
    dir: resolve(env.AISEC_EXPORT_DIR?.trim() || '.data/exports'),
    syncMaxEvents: numberVar(env, 'AISEC_EXPORT_SYNC_MAX_EVENTS', 10_000, 0, 10_000_000),
    eventsPerFile: numberVar(env, 'AISEC_EXPORT_EVENTS_PER_FILE', 500_000, 1, 100_000_000),
  };
}
