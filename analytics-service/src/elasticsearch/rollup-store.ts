/**
 * Elasticsearch access of one rollup (rollups/hourly-rollup.ts: hourly event counts, or daily per-user counts): which
 * hours (days) have events ingested in a
 * window, the rows of those hours recomputed from raw events, writing rows and the watermark with external
 * versioning (version = watermark, so an older run never overwrites a newer one), and reading the watermark.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { compositePages, EsTiming } from './composite-pager.js';
import { withAvailability } from './errors.js';
import { HOURLY_COUNTS, rollupDocId, rollupDocument, type RollupDefinition, type RollupKey, type RollupRow } from '../rollups/hourly-rollup.js';

const WATERMARK_ID = 'watermark';
const PAGE = 10_000;
const BULK_ROWS = 5_000;

export interface RollupWrite {
  written: number;
  /** rows a newer run had already written (its version wins) */
  superseded: number;
}

export class RollupStore {
  readonly timing = new EsTiming();

  constructor(
    private readonly es: Client,
    /** the events data stream */
    private readonly events: string,
    /** the rollup index */
    readonly index: string,
    /** which fields its rows are keyed by */
    readonly definition: RollupDefinition = HOURLY_COUNTS,
    /** rows per page of the recompute: at most this many rows are held and written at a time */
    private readonly pageSize = PAGE,
  ) {}

  /** The committed watermark (epoch ms): rolled hours count exactly their events with event.ingested before it. */
  async watermark(): Promise<number | undefined> {
    const doc = await withAvailability('the rollup watermark', () =>
      this.es.get<{ ingested_before?: number }>({ index: this.index, id: WATERMARK_ID }, { ignore: [404] }),
    );
    const value = doc.found ? doc._source?.ingested_before : undefined;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  }

  /** Forgets the watermark: queries read raw events only until the next run, which recomputes every hour. */
  async resetWatermark(): Promise<void> {
    await withAvailability('resetting the rollup watermark', () => this.es.delete({ index: this.index, id: WATERMARK_ID, refresh: true }, { ignore: [404] }));
  }

  /** Start of every hour (or bucket of the definition's width, by @timestamp) that has an event with event.ingested in [since, before). */
  async touchedHours(since: number | undefined, before: number): Promise<number[]> {
    const hours: number[] = [];
    const spec = {
      index: this.events,
      query: { range: { 'event.ingested': { ...(since === undefined ? {} : { gte: since }), lt: before, format: 'epoch_millis' } } },
      sources: [{ hour: { date_histogram: { field: '@timestamp', fixed_interval: `${this.definition.bucketMs}ms` } } }],
      pageSize: PAGE,
    };
    for await (const page of compositePages<{ key: { hour: number } }>(this.es, spec, this.timing, 'the hours to roll up')) {
      for (const bucket of page) hours.push(Number(bucket.key.hour));
    }
    return hours;
  }

  /**
   * The rows of the given hours, from every event of those hours with event.ingested before `before`, a page at a
   * time: a day of the per-user rollup has a row per user and combination of fields, which grows with the users and
   * their traffic, so a bucket's rows are never all held at once.
   */
  async *hourRowPages(hours: readonly number[], before: number): AsyncGenerator<RollupRow[]> {
    if (hours.length === 0) return;
    const spec = {
      index: this.events,
      query: {
        bool: {
          filter: [
            { range: { 'event.ingested': { lt: before, format: 'epoch_millis' } } },
            { bool: { should: hours.map((h) => ({ range: { '@timestamp': { gte: h, lt: h + this.definition.bucketMs, format: 'epoch_millis' } } })), minimum_should_match: 1 } },
          ],
        },
      },
      sources: [
        { hour: { date_histogram: { field: '@timestamp', fixed_interval: `${this.definition.bucketMs}ms` } } },
        ...this.definition.dimensions.map((d) => ({ [d]: { terms: { field: d, missing_bucket: true } } })),
      ] as Array<Record<string, estypes.AggregationsCompositeAggregationSource>>,
      pageSize: this.pageSize,
    };
    type Bucket = { key: Record<string, string | number | null>; doc_count: number };
    for await (const page of compositePages<Bucket>(this.es, spec, this.timing, 'the events to roll up')) {
      yield page.map((bucket) => {
        const key: RollupKey = {};
        for (const d of this.definition.dimensions) {
          const value = bucket.key[d];
          if (value !== null && value !== undefined) key[d] = value;
        }
        return { hour: Number(bucket.key.hour), key, count: bucket.doc_count };
      });
    }
  }

  /** Writes rows computed under watermark `before`; a row a newer run already wrote stays as it is. */
  async writeRows(rows: readonly RollupRow[], before: number): Promise<RollupWrite> {
    const result: RollupWrite = { written: 0, superseded: 0 };
    for (let i = 0; i < rows.length; i += BULK_ROWS) {
      const operations = rows.slice(i, i + BULK_ROWS).flatMap((row) => [
        { index: { _index: this.index, _id: rollupDocId(row.hour, row.key, this.definition), version: before, version_type: 'external_gte' as const } },
        rollupDocument(row, before),
      ]);
      const response = await withAvailability('writing rollup rows', () => this.es.bulk({ operations }));
      for (const item of response.items) {
        const op = item.index;
        if (!op?.error) result.written++;
        else if (op.status === 409) result.superseded++;
        else throw new Error(`rollup row not written: ${op.error.type}`);
      }
    }
    return result;
  }

  /**
   * Removes rows of these hours that this recompute did not rewrite (older watermark): combinations whose events are
   * gone. Deleted with external version `before`, which only removes rows of older versions: a row this run or a
   * newer one wrote stays. Searched after a refresh and deleted in pages (the minimal distribution has no
   * _delete_by_query).
   */
  async deleteStale(hours: readonly number[], before: number): Promise<number> {
    if (hours.length === 0) return 0;
    let deleted = 0;
    for (;;) {
      await this.refresh();
      const found = await withAvailability('finding stale rollup rows', () =>
        this.es.search({
          index: this.index,
          size: PAGE,
          _source: false,
          track_total_hits: false,
          ignore_unavailable: true,
          query: { bool: { filter: [{ terms: { '@timestamp': [...hours] } }, { range: { ingested_before: { lt: before } } }] } },
        }),
      );
      const ids = found.hits.hits.map((h) => h._id!);
      if (ids.length === 0) return deleted;
      const operations = ids.map((id) => ({ delete: { _index: this.index, _id: id, version: before, version_type: 'external' as const } }));
      const response = await withAvailability('removing stale rollup rows', () => this.es.bulk({ operations }));
      const removed = response.items.filter((item) => !item.delete?.error).length;
      deleted += removed;
      if (ids.length < PAGE || removed === 0) return deleted;
    }
  }

  /** Makes written rows searchable: done before the watermark that vouches for them is committed. */
  async refresh(): Promise<void> {
    await withAvailability('refreshing the rollup', () => this.es.indices.refresh({ index: this.index }));
  }

  /** Commits the watermark; a newer committed one stays. */
  async commit(before: number, at: Date): Promise<boolean> {
    const response = await withAvailability('committing the rollup watermark', () =>
      this.es.index(
        {
          index: this.index,
          id: WATERMARK_ID,
          version: before,
          version_type: 'external_gte',
          document: { kind: 'watermark', ingested_before: before, updated_at: at.toISOString() },
        },
        { ignore: [409] },
      ),
    );
    return response.result === 'created' || response.result === 'updated';
  }
}
