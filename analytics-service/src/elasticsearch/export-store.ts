/**
 * Elasticsearch side of forensic exports: manifests in `<prefix>-exports` (one document per export, id = export id)
 * and a consistent read of the events to export through a point in time with search_after, one page at a time,
 * so an export of any size never holds more than a page in memory and never sees events that arrive meanwhile.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { AiSecurityEvent } from '../contract/event-schema.js';
import type { ExportManifest } from '../export/manifest.js';
import { withAvailability } from './errors.js';
import { eventFilterQuery, fromDocument, type EventFilters, type StoredEventDocument } from './event-store.js';

export type ExportCursor = [number, string];

export class ExportStore {
  constructor(
    private readonly es: Client,
    private readonly index: string,
    private readonly eventsIndex: string,
  ) {}

  /** Creates the manifest document; fails if the id exists (exports are never overwritten). */
  async create(manifest: ExportManifest): Promise<void> {
    await withAvailability('export create', () =>
      this.es.create({ index: this.index, id: manifest.id, document: { '@timestamp': manifest.created_at, ...manifest }, refresh: 'wait_for' }),
    );
  }

  /**
   * Writes a newer state of a running export. Guarded by the stored version: a document that is no longer
   * `running` (completed or failed) is never changed again.
   */
  async advance(manifest: ExportManifest): Promise<boolean> {
    const current = await this.getWithVersion(manifest.id);
    if (!current || current.manifest.status !== 'running') return false;
    try {
      await withAvailability('export update', () =>
        this.es.index({
          index: this.index,
          id: manifest.id,
          document: { '@timestamp': manifest.created_at, ...manifest },
          if_seq_no: current.seqNo,
          if_primary_term: current.primaryTerm,
          refresh: manifest.status === 'running' ? false : 'wait_for',
        }),
      );
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) return false;
      throw error;
    }
  }

  async get(id: string): Promise<ExportManifest | undefined> {
    return (await this.getWithVersion(id))?.manifest;
  }

  private async getWithVersion(id: string): Promise<{ manifest: ExportManifest; seqNo: number; primaryTerm: number } | undefined> {
    const response = await withAvailability('export read', () =>
      this.es.get<ExportManifest & { '@timestamp'?: string }>({ index: this.index, id }, { ignore: [404] }),
    );
    if (!response.found || !response._source) return undefined;
    const { '@timestamp': _ts, ...manifest } = response._source;
    return { manifest: manifest as ExportManifest, seqNo: response._seq_no!, primaryTerm: response._primary_term! };
  }

  /** Newest first. */
  async list(limit: number, after?: ExportCursor): Promise<{ exports: ExportManifest[]; total: number; next?: ExportCursor }> {
    const response = await withAvailability('export list', () =>
      this.es.search<ExportManifest & { '@timestamp'?: string }>({
        index: this.index,
        ignore_unavailable: true,
        allow_no_indices: true,
        size: limit,
        track_total_hits: true,
        sort: [{ '@timestamp': { order: 'desc' } }, { id: { order: 'desc' } }],
        ...(after ? { search_after: after } : {}),
      }),
    );
    const hits = response.hits.hits;
    const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
    const exports = hits.map((h) => {
      const { '@timestamp': _ts, ...manifest } = h._source!;
      return manifest as ExportManifest;
    });
    const last = hits.at(-1);
    return { exports, total, ...(hits.length === limit && last?.sort ? { next: last.sort as ExportCursor } : {}) };
  }

  async count(filters: EventFilters): Promise<number> {
    const response = await withAvailability('export count', () =>
      this.es.count({ index: this.eventsIndex, ignore_unavailable: true, allow_no_indices: true, query: eventFilterQuery(filters) }),
    );
    return response.count;
  }

  /**
   * Opens a point in time over the events matching `filters` and reads them in (@timestamp, event_id) order.
   * `onTotal` receives the snapshot's size before the first event.
   */
  async *snapshot(filters: EventFilters, pageSize: number, onTotal: (total: number) => void): AsyncGenerator<AiSecurityEvent> {
    const pit = await withAvailability('export point in time', () =>
      this.es.openPointInTime({ index: this.eventsIndex, keep_alive: '5m', ignore_unavailable: true }),
    );
    let pitId = pit.id;
    const query = eventFilterQuery(filters);
    try {
      const counted = await withAvailability('export count', () =>
        this.es.search({ pit: { id: pitId, keep_alive: '5m' }, size: 0, track_total_hits: true, query }),
      );
      onTotal(typeof counted.hits.total === 'number' ? counted.hits.total : (counted.hits.total?.value ?? 0));
      let after: estypes.SortResults | undefined;
      for (;;) {
        const response = await withAvailability('export read', () =>
          this.es.search<StoredEventDocument>({
            pit: { id: pitId, keep_alive: '5m' },
            size: pageSize,
            track_total_hits: false,
            query,
            sort: [{ '@timestamp': { order: 'asc' } }, { event_id: { order: 'asc' } }],
            ...(after ? { search_after: after } : {}),
          }),
        );
        if (response.pit_id) pitId = response.pit_id;
        const hits = response.hits.hits;
        for (const hit of hits) yield fromDocument(hit._source!);
        if (hits.length < pageSize) return;
        after = hits.at(-1)!.sort;
      }
    } finally {
      await this.es.closePointInTime({ id: pitId }).catch(() => undefined);
    }
  }
}
