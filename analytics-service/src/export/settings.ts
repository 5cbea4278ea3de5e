/**
 * Forensic export settings, from the environment as read against the settings schema (settings/env-schema.ts):
 *
 *   AISEC_EXPORT_DIR              where export files are written, default .data/exports (relative to the working directory)
 *   AISEC_EXPORT_SYNC_MAX_EVENTS  exports of at most this many events answer when done (201); larger ones run in the
 *                                 background and answer 202 at once, default 10000
 *   AISEC_EXPORT_EVENTS_PER_FILE  events per NDJSON file before a new file is started, default 500000
 */
import { resolve } from 'node:path';
import type { EnvVars } from '../settings/env-schema.js';

export interface ExportSettings {
  dir: string;
  syncMaxEvents: number;
  eventsPerFile: number;
}

export function loadExportSettings(vars: EnvVars): ExportSettings {
  return {
    dir: resolve(vars.AISEC_EXPORT_DIR),
    syncMaxEvents: vars.AISEC_EXPORT_SYNC_MAX_EVENTS,
    eventsPerFile: vars.AISEC_EXPORT_EVENTS_PER_FILE,
  };
}
