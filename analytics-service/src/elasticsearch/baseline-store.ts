/**
 * Reads and writes of UEBA baseline documents: one per entity, id `<kind>:<entity>` (entities.ts).
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { BaselineDocument } from '../ueba/baseline-document.js';
import { baselineDocumentId, type EntityKind } from '../ueba/entities.js';
import type { EsTiming } from './composite-pager.js';
import { withAvailability } from './errors.js';

export type BaselineSort = 'risk' | 'volume';

/** Sort position in a listing: the sort value and the entity id. */
export type BaselineCursor = [number, string];

export interface BaselinePage {
  baselines: BaselineDocument[];
  total: number;
  next?: BaselineCursor;
}

export interface RiskUpdate {
  kind: EntityKind;
  id: string;
  risk_score: number;
  risk_level: string;
  risk_alert_count: number;
  risk_updated_at: string;
}

const SORT_FIELD: Record<BaselineSort, string> = { risk: 'risk_score', volume: 'event_count' };

/** Throws with the first item error of a bulk answer, naming what was written. */
export function assertBulkOk(response: estypes.BulkResponse, what: string, ignoreStatus: number[] = []): void {
  if (!response.errors) return;
  const failed = response.items.map((item) => Object.values(item)[0]!).filter((r) => r.error && !ignoreStatus.includes(r.status));
  if (failed.length === 0) return;
  const first = failed[0]!;
  throw new Error(`${what}: ${failed.length} document(s) failed, first ${first._id}: ${first.error?.type}: ${first.error?.reason}`);
}

export class BaselineStore {
  constructor(
    private readonly es: Client,
    readonly index: string,
  ) {}

  private readonly known = new Map<EntityKind, number>();
  /**
   * Writes of baselines so far. A read answered while a write ran may predate that write: it is returned but not
   * remembered, or an absence read just before a rebuild would hide the rebuilt baseline for a minute.
   */
  private writes = 0;

  /** How many stored baselines of these kinds were built over a window overlapping [from, to). */
  async countOverlapping(kinds: string[], from: number, to: number): Promise<number> {
    const response = await withAvailability('baseline coverage', () =>
      this.es.count({
        index: this.index,
        ignore_unavailable: true,
        allow_no_indices: true,
        query: {
          bool: {
            filter: [
              { terms: { entity_kind: kinds } },
              { range: { window_start: { lt: new Date(to).toISOString() } } },
              { range: { window_end: { gt: new Date(from).toISOString() } } },
            ],
          },
        },
      }),
    );
    return response.count;
  }

  /** Whether any baseline of this kind exists (a positive answer is remembered; a negative one for 30 s). */
  async hasAny(kind: EntityKind): Promise<boolean> {
    const checked = this.known.get(kind);
    if (checked === Infinity || (checked !== undefined && Date.now() - checked < 30_000)) return checked === Infinity;
    const writes = this.writes;
    const response = await withAvailability('baseline count', () =>
      this.es.count({ index: this.index, ignore_unavailable: true, allow_no_indices: true, query: { term: { entity_kind: kind } } }),
    );
    if (response.count > 0) this.known.set(kind, Infinity);
    else if (writes === this.writes) this.known.set(kind, Date.now());
    return response.count > 0;
  }

  async get(kind: EntityKind, id: string): Promise<BaselineDocument | undefined> {
    const found = await withAvailability('baseline read', () =>
      this.es.get<BaselineDocument>({ index: this.index, id: baselineDocumentId(kind, id) }, { ignore: [404] }),
    );
    return found.found ? found._source : undefined;
  }

  /** Recently read baselines (and absences) for scoring, which reads the same entities batch after batch. */
  private readonly recent = new Map<string, { at: number; doc: BaselineDocument | null }>();

  /**
   * Baselines of many entities of one kind, by entity id; missing entities are absent from the map. With
   * `maxAgeMs`, answers read that recently are reused (scoring); without it, everything is read fresh (rebuilds).
   */
  async getMany(kind: EntityKind, ids: string[], timing?: EsTiming, options: { maxAgeMs?: number } = {}): Promise<Map<string, BaselineDocument>> {
    const found = new Map<string, BaselineDocument>();
    const now = Date.now();
    const toRead: string[] = [];
    for (const id of ids) {
      const hit = options.maxAgeMs ? this.recent.get(baselineDocumentId(kind, id)) : undefined;
      if (hit && now - hit.at < options.maxAgeMs!) {
        if (hit.doc) found.set(id, hit.doc);
      } else toRead.push(id);
    }
    if (toRead.length === 0) return found;
    const writes = this.writes;
    const response = await withAvailability('baseline read', () =>
      this.es.mget<BaselineDocument>({ index: this.index, ids: toRead.map((id) => baselineDocumentId(kind, id)) }, { ignore: [404] }),
    );
    timing?.add({});
    if (this.recent.size > 100_000) this.recent.clear();
    const docs = response.docs ?? [];
    const remember = writes === this.writes;
    toRead.forEach((id, i) => {
      const doc = docs[i];
      const source = doc && 'found' in doc && doc.found && doc._source ? doc._source : null;
      if (source) found.set(id, source);
      if (remember) this.recent.set(baselineDocumentId(kind, id), { at: now, doc: source });
    });
    return found;
  }

  /** Writes whole baseline documents (risk fields are carried over by the caller). */
  async putMany(documents: BaselineDocument[], timing?: EsTiming, refresh: boolean | 'wait_for' = false): Promise<void> {
    if (documents.length === 0) return;
    const operations: unknown[] = [];
    for (const doc of documents) operations.push({ index: { _index: this.index, _id: baselineDocumentId(doc.entity_kind, doc.entity_id) } }, doc);
    try {
      const response = await withAvailability('baseline write', () => this.es.bulk({ operations, refresh }));
      timing?.add(response);
      assertBulkOk(response, 'baseline write');
      for (const doc of documents) this.known.set(doc.entity_kind, Infinity);
    } finally {
      this.forget(documents.map((doc) => baselineDocumentId(doc.entity_kind, doc.entity_id)));
    }
  }

  /** After a write (done or failed part way): what was remembered of these documents, and reads still out, is stale. */
  private forget(ids: string[]): void {
    this.writes++;
    for (const id of ids) this.recent.delete(id);
  }

  /** Sets risk fields on existing baselines; entities without a baseline are skipped and counted. */
  async updateRisk(updates: RiskUpdate[], timing?: EsTiming): Promise<{ updated: number; missing: number }> {
    if (updates.length === 0) return { updated: 0, missing: 0 };
    const operations: unknown[] = [];
    for (const { kind, id, ...fields } of updates) {
      operations.push({ update: { _index: this.index, _id: baselineDocumentId(kind, id), retry_on_conflict: 3 } }, { doc: fields });
    }
    let response;
    try {
      response = await withAvailability('baseline risk write', () => this.es.bulk({ operations, refresh: false }));
    } finally {
      this.forget(updates.map(({ kind, id }) => baselineDocumentId(kind, id)));
    }
    timing?.add(response);
    assertBulkOk(response, 'baseline risk write', [404]);
    const missing = response.items.filter((item) => item.update?.status === 404).length;
    return { updated: updates.length - missing, missing };
  }

  /** Ids of entities whose stored risk is above zero but was not refreshed since `before` (their alerts aged out). */
  async staleRisk(kind: EntityKind, before: Date, size = 1000): Promise<string[]> {
    const response = await withAvailability('baseline read', () =>
      this.es.search<Pick<BaselineDocument, 'entity_id'>>({
        index: this.index,
        size,
        ignore_unavailable: true,
        _source: ['entity_id'],
        query: {
          bool: {
            filter: [{ term: { entity_kind: kind } }, { range: { risk_score: { gt: 0 } } }],
            should: [{ range: { risk_updated_at: { lt: before.toISOString() } } }, { bool: { must_not: { exists: { field: 'risk_updated_at' } } } }],
            minimum_should_match: 1,
          },
        },
      }),
    );
    return response.hits.hits.map((h) => h._source!.entity_id);
  }

  async list(kind: EntityKind, sort: BaselineSort, limit: number, after?: BaselineCursor): Promise<BaselinePage> {
    const field = SORT_FIELD[sort];
    const request: estypes.SearchRequest = {
      index: this.index,
      size: limit,
      ignore_unavailable: true,
      allow_no_indices: true,
      track_total_hits: true,
      query: { term: { entity_kind: kind } },
      sort: [{ [field]: { order: 'desc', missing: 0 } }, { entity_id: { order: 'asc' } }],
    };
    if (after) request.search_after = after;
    const response = await withAvailability('baseline list', () => this.es.search<BaselineDocument>(request));
    const hits = response.hits.hits;
    const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
    const page: BaselinePage = { baselines: hits.map((h) => h._source!), total };
    const last = hits.at(-1);
    if (hits.length === limit && last?.sort) page.next = last.sort as BaselineCursor;
    return page;
  }

  async refresh(): Promise<void> {
    await this.es.indices.refresh({ index: this.index }, { ignore: [404] });
  }
}
