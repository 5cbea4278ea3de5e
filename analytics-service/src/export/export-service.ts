/**
 * Forensic exports: a range and filters of events written once to files on disk, with a manifest of SHA-256
 * hashes kept both beside the files and in Elasticsearch. Knows nothing of HTTP.
 *
 * Immutability: files are written under a temporary directory name, made read-only (files 0444, directory 0555)
 * and only then renamed to the export id, so a reader never sees a half-written export; nothing in the service
 * changes or deletes an export afterwards, and verification recomputes every hash against the copy of the manifest
 * in Elasticsearch. Large exports run in the background; their progress is kept in memory and, every few seconds,
 * in the manifest document.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventFilters, TermFilterField } from '../elasticsearch/event-store.js';
import type { ExportStore } from '../elasticsearch/export-store.js';
import { metrics } from '../observability/metrics.js';
import { exportDigest, sha256Sums, verifyExportDirectory, type VerificationReport } from './integrity.js';
import { MANIFEST_FILE, SUMS_FILE, type ExportFilters, type ExportManifest } from './manifest.js';
import { writeEventFiles } from './file-writer.js';
import type { ExportSettings } from './settings.js';

export interface ExportRequest {
  from: Date;
  to: Date;
  filters: ExportFilters;
  description: string;
  compression: 'gzip' | 'none';
  createdBy: string;
  requestedBy?: string;
}

/** How long a running export may go without progress before readers call it interrupted. */
const STALE_MS = 60_000;
const PROGRESS_EVERY_MS = 2_000;
const PAGE_SIZE = 1000;

export class ExportNotFoundError extends Error {
  readonly statusCode = 404;
  override readonly name = 'Not Found';
}

export function newExportId(now = new Date()): string {
  const iso = now.toISOString();
  return `exp-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${randomBytes(4).toString('hex')}`;
}

export class ExportService {
  /** exports running in this process, with live progress */
  private readonly running = new Map<string, ExportManifest>();
  private readonly jobs = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly store: ExportStore,
    readonly settings: ExportSettings,
    private readonly log: { warn(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void },
  ) {}

  /**
   * Creates an export. `done` settles when the files and the final manifest are written (never rejects: a failure
   * is recorded in the manifest).
   */
  async create(request: ExportRequest): Promise<{ manifest: ExportManifest; done: Promise<ExportManifest> }> {
    const now = new Date();
    const manifest: ExportManifest = {
      id: newExportId(now),
      status: 'running',
      description: request.description,
      created_by: request.createdBy,
      ...(request.requestedBy ? { requested_by: request.requestedBy } : {}),
      created_at: now.toISOString(),
      format: 'ndjson',
      compression: request.compression,
      query: {
        type: 'events',
        from: request.from.toISOString(),
        to: request.to.toISOString(),
        filters: request.filters,
        sort: ['@timestamp asc', 'event_id asc'],
      },
      event_count: 0,
      files: [],
      hash_algorithm: 'sha256',
      progress: { events_total: 0, events_written: 0, files_written: 0, percent: 0, updated_at: now.toISOString() },
      manifest_version: 1,
    };
    // an estimate for the progress bar and the sync/async choice; the snapshot's own count replaces it
    manifest.progress!.events_total = await this.store.count({ from: request.from, to: request.to, terms: request.filters as Partial<Record<TermFilterField, string>> });
    await this.store.create(manifest);
    this.running.set(manifest.id, manifest);
    const done = this.run(manifest).finally(() => this.running.delete(manifest.id));
    this.jobs.add(done);
    void done.finally(() => this.jobs.delete(done));
    return { manifest: structuredClone(manifest), done };
  }

  private async run(manifest: ExportManifest): Promise<ExportManifest> {
    const filters: EventFilters = { from: new Date(manifest.query.from), to: new Date(manifest.query.to), terms: manifest.query.filters as Partial<Record<TermFilterField, string>> };
    const temp = join(this.settings.dir, `.tmp-${manifest.id}`);
    const progress = manifest.progress!;
    let lastSaved = Date.now();
    try {
      await mkdir(temp, { recursive: true, mode: 0o700 });
      const events = this.store.snapshot(filters, PAGE_SIZE, (total) => {
        progress.events_total = total;
      });
      const files = await writeEventFiles(events, {
        dir: temp,
        gzip: manifest.compression === 'gzip',
        eventsPerFile: this.settings.eventsPerFile,
        onEvent: (filesWritten) => {
          progress.events_written++;
          progress.files_written = filesWritten;
          if (this.closed) throw new Error('the service is shutting down');
          if (Date.now() - lastSaved >= PROGRESS_EVERY_MS) {
            lastSaved = Date.now();
            progress.percent = percent(progress.events_written, progress.events_total);
            progress.updated_at = new Date().toISOString();
            void this.store.advance(structuredClone(manifest)).catch((error: unknown) => this.log.warn({ err: error, export: manifest.id }, 'export progress not saved'));
          }
        },
      });
      const completed: ExportManifest = { ...manifest, status: 'completed', completed_at: new Date().toISOString(), files, event_count: files.reduce((n, f) => n + f.events, 0), sha256: exportDigest(files) };
      delete completed.progress;
      const first = files.find((f) => f.first_timestamp)?.first_timestamp;
      const last = files.findLast((f) => f.last_timestamp)?.last_timestamp;
      if (first) completed.first_timestamp = first;
      if (last) completed.last_timestamp = last;
      await writeFile(join(temp, SUMS_FILE), sha256Sums(files), { mode: 0o444 });
      await writeFile(join(temp, MANIFEST_FILE), `${JSON.stringify(completed, null, 2)}\n`, { mode: 0o444 });
      for (const name of await readdir(temp)) await chmod(join(temp, name), 0o444);
      await chmod(temp, 0o555);
      await rename(temp, join(this.settings.dir, manifest.id));
      await this.saveFinal(completed);
      metrics.exports.inc({ status: 'completed' });
      this.log.info({ export: completed.id, events: completed.event_count, files: files.length, sha256: completed.sha256 }, 'forensic export completed');
      return completed;
    } catch (error) {
      const failed: ExportManifest = { ...manifest, status: 'failed', completed_at: new Date().toISOString(), error: (error as Error).message };
      await chmod(temp, 0o700).catch(() => undefined);
      await rm(temp, { recursive: true, force: true }).catch(() => undefined);
      await this.saveFinal(failed).catch((e: unknown) => this.log.warn({ err: e, export: manifest.id }, 'failed export could not be recorded'));
      metrics.exports.inc({ status: 'failed' });
      this.log.warn({ err: error, export: manifest.id }, 'forensic export failed');
      return failed;
    }
  }

  /** The final manifest must reach Elasticsearch: retried for about a minute while it is unavailable. */
  private async saveFinal(manifest: ExportManifest): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.advance(manifest);
        return;
      } catch (error) {
        if (attempt >= 12) throw error;
        await new Promise((r) => setTimeout(r, 5000));
      }
    }
  }

  /** Live state for exports running here; the stored manifest otherwise (a stale `running` one reads as failed). */
  async get(id: string): Promise<ExportManifest | undefined> {
    const live = this.running.get(id);
    if (live) {
      const copy = structuredClone(live);
      copy.progress!.percent = percent(copy.progress!.events_written, copy.progress!.events_total);
      return copy;
    }
    const stored = await this.store.get(id);
    return stored ? presentStale(stored) : undefined;
  }

  async list(limit: number, after?: [number, string]) {
    const page = await this.store.list(limit, after);
    return { ...page, exports: page.exports.map((m) => (this.running.has(m.id) ? m : presentStale(m))) };
  }

  /** The directory of a completed export. */
  directory(id: string): string {
    return join(this.settings.dir, id);
  }

  async verify(id: string): Promise<VerificationReport> {
    const manifest = await this.store.get(id);
    if (!manifest) throw new ExportNotFoundError(`no export ${id}`);
    if (manifest.status !== 'completed') {
      return { id, ok: false, checked_at: new Date().toISOString(), files: [], problems: [`export is ${presentStale(manifest).status}, not completed: nothing to verify`] };
    }
    return verifyExportDirectory(this.directory(id), manifest);
  }

  /** Stops running exports (they are recorded as failed) and waits for them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.jobs]);
  }
}

function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.round((done / total) * 1000) / 10) : 0;
}

function presentStale(manifest: ExportManifest): ExportManifest {
  if (manifest.status !== 'running') return manifest;
  const updated = Date.parse(manifest.progress?.updated_at ?? manifest.created_at);
  if (Date.now() - updated < STALE_MS) return manifest;
  return { ...manifest, status: 'failed', error: `interrupted: no progress since ${new Date(updated).toISOString()} (the service running it stopped); create the export again` };
}
