/**
 * Baseline refresh: pages through the entities to (re)compute with a composite aggregation, and for each
 * page of entities asks Elasticsearch for their summary, their per-hour counts and their sessions, then writes
 * one document per entity. The service holds one page of entities at a time, never events.
 *
 * A full rebuild recomputes every entity with events in the window; the scheduled incremental refresh
 * recomputes only entities with events ingested since the last run (late events included), over the sliding window.
 */
import type { BaselineStore } from '../elasticsearch/baseline-store.js';
import { EsTiming } from '../elasticsearch/composite-pager.js';
import type { estypes } from '../elasticsearch/dsl.js';
import type { SearchReader } from '../elasticsearch/search-reader.js';
import {
  hourlyComposite,
  sessionComposite,
  summaryBuckets,
  summaryRequest,
  windowFilter,
  type HourBucket,
  type SessionBucket,
  type TimeWindow,
} from './baseline-aggregations.js';
import { buildBaselineDocument } from './baseline-builder.js';
import type { BaselineDocument } from './baseline-document.js';
import { ENTITY_FIELD, ENTITY_KINDS, RISK_KINDS, type EntityKind } from './entities.js';
import { HourOfWeekCalendar, WindowHours } from './hour-of-week.js';

export interface BaselineSettings {
  timeZone: string;
  /** entities computed per round of aggregations */
  entityPageSize: number;
  /** buckets per composite page (hours, sessions) */
  compositePageSize: number;
}

export interface BaselineContext {
  reader: SearchReader;
  eventsIndex: string;
  store: BaselineStore;
  settings: BaselineSettings;
}

export type EntitySelection = { type: 'window' } | { type: 'changed-since'; since: Date };

export interface BaselineRefreshReport {
  window: { from: string; to: string };
  selection: EntitySelection['type'];
  entities: Record<EntityKind, number>;
  es_took_ms: number;
  es_requests: number;
  wall_ms: number;
}

function selectionQuery(kind: EntityKind, window: TimeWindow, selection: EntitySelection): estypes.QueryDslQueryContainer {
  const exists = { exists: { field: ENTITY_FIELD[kind] } };
  if (selection.type === 'window') return { bool: { filter: [windowFilter(window), exists] } };
  const since = selection.since.toISOString();
  return {
    bool: {
      filter: [exists, { range: { '@timestamp': { lt: window.to.toISOString() } } }],
      // event.ingested catches late events; @timestamp covers shippers on clusters without the ingest pipeline
      should: [{ range: { 'event.ingested': { gte: since } } }, { range: { '@timestamp': { gte: since } } }],
      minimum_should_match: 1,
    },
  };
}

/** Sessions are profiled for users and agents; a model's or endpoint's sessions are the whole organisation's. */
const SESSION_KINDS: readonly EntityKind[] = ['user', 'agent'];

async function computePage(
  ctx: BaselineContext,
  kind: EntityKind,
  ids: string[],
  window: TimeWindow,
  hours: WindowHours,
  computedAt: Date,
  timing: EsTiming,
): Promise<BaselineDocument[]> {
  const { reader, eventsIndex, settings } = ctx;
  const hourly = hourlyComposite(kind, ids, window, settings.timeZone);
  const sessions = sessionComposite(kind, ids, window);
  const [summary, hourBuckets, sessionBuckets, existing] = await Promise.all([
    reader.search(summaryRequest(eventsIndex, kind, ids, window), { availability: 'baseline summary', timing }).then(summaryBuckets),
    reader.groupCompositeByEntity<HourBucket>({ index: eventsIndex, ...hourly, pageSize: settings.compositePageSize }, timing, 'baseline hours'),
    SESSION_KINDS.includes(kind)
      ? reader.groupCompositeByEntity<SessionBucket>({ index: eventsIndex, ...sessions, pageSize: settings.compositePageSize }, timing, 'baseline sessions')
      : Promise.resolve(undefined),
    ctx.store.getMany(kind, ids, timing),
  ]);
  return summary.map((bucket) => {
    const id = String(bucket.key);
    const previous = existing.get(id);
    const document = buildBaselineDocument({
      kind,
      id,
      window,
      computedAt,
      hours,
      summary: bucket,
      hourBuckets: hourBuckets.get(id) ?? [],
      ...(sessionBuckets ? { sessionBuckets: sessionBuckets.get(id) ?? [] } : {}),
      ...(previous?.first_seen ? { previousFirstSeen: previous.first_seen } : {}),
    });
    // risk is maintained by the risk refresh; a baseline refresh keeps it
    if (previous && RISK_KINDS.includes(kind) && previous.risk_score !== undefined) {
      document.risk_score = previous.risk_score;
      if (previous.risk_level !== undefined) document.risk_level = previous.risk_level;
      if (previous.risk_alert_count !== undefined) document.risk_alert_count = previous.risk_alert_count;
      if (previous.risk_updated_at !== undefined) document.risk_updated_at = previous.risk_updated_at;
    }
    return document;
  });
}

export async function refreshBaselines(
  ctx: BaselineContext,
  window: TimeWindow,
  selection: EntitySelection,
  options: { kinds?: readonly EntityKind[]; now?: Date; refresh?: boolean } = {},
): Promise<BaselineRefreshReport> {
  const started = Date.now();
  const timing = new EsTiming();
  const calendar = new HourOfWeekCalendar(ctx.settings.timeZone);
  const hours = new WindowHours(calendar, window.from.getTime(), window.to.getTime());
  const computedAt = options.now ?? new Date();
  const entities = Object.fromEntries(ENTITY_KINDS.map((k) => [k, 0])) as Record<EntityKind, number>;

  for (const kind of options.kinds ?? ENTITY_KINDS) {
    const pages = ctx.reader.compositePages<{ key: { entity: string } }>(
      {
        index: ctx.eventsIndex,
        query: selectionQuery(kind, window, selection),
        sources: [{ entity: { terms: { field: ENTITY_FIELD[kind] } } }],
        pageSize: ctx.settings.entityPageSize,
      },
      timing,
      'baseline entities',
    );
    for await (const page of pages) {
      const documents = await computePage(ctx, kind, page.map((b) => b.key.entity), window, hours, computedAt, timing);
      await ctx.store.putMany(documents, timing);
      entities[kind] += documents.length;
    }
  }
  if (options.refresh) await ctx.store.refresh();
  return {
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    selection: selection.type,
    entities,
    es_took_ms: timing.tookMs,
    es_requests: timing.requests,
    wall_ms: Date.now() - started,
  };
}
