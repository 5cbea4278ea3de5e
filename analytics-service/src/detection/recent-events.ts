/**
 * The events this process stored a moment ago, as streaming detection reads them (without prompt/response text), so
 * that its read of new events need not fetch them back from Elasticsearch.
 *
 * Streaming still asks Elasticsearch which events are new (their ids and event.ingested, in order): that answer is
 * what it evaluates, so nothing stored by another replica or shipper is missed. Only the contents come from here,
 * and only for events whose `create` Elasticsearch acknowledged (201), exactly as they were sent; any other id is
 * read from Elasticsearch. Reading the contents back was most of that read's cost (`docs/scaling.md`, thirteenth
 * session): fetching each hit's stored `_source` and filtering it.
 *
 * Bounded: at most `maxEntries`, none older than `maxAgeMs` (the oldest go first); kept only while `active()` says
 * streaming runs here (a replica that does not hold the lease keeps nothing).
 */
import { UNREAD_FIELDS } from '../elasticsearch/detection-store.js';
import type { StoredEventDocument } from '../elasticsearch/event-store.js';
import type { EventDoc } from './predicate.js';

export interface RecentEventsOptions {
  maxEntries: number;
  maxAgeMs: number;
  /** whether to keep events now (streaming runs in this process and holds a lease) */
  active: () => boolean;
  now?: () => number;
}

export class RecentEvents {
  private readonly entries = new Map<string, { doc: EventDoc; at: number }>();
  private readonly now: () => number;

  constructor(private readonly options: RecentEventsOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Events Elasticsearch has just acknowledged as created. */
  add(docs: readonly StoredEventDocument[]): void {
    if (!this.options.active()) {
      this.entries.clear();
      return;
    }
    const at = this.now();
    for (const doc of docs) {
      this.entries.delete(doc.event_id!); // re-inserted at the end: the oldest stay first
      this.entries.set(doc.event_id!, { doc: withoutUnread(doc), at });
    }
    this.evict(at);
  }

  /**
   * The event as streaming reads it, with event.ingested as Elasticsearch stored it (an ingest pipeline may have
   * stamped it after this process did), or undefined when not kept here.
   */
  get(id: string, ingested: number): EventDoc | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    return { ...entry.doc, event: { ingested: new Date(ingested).toISOString() } };
  }

  private evict(now: number): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && now - entry.at <= this.options.maxAgeMs) return;
      this.entries.delete(id);
    }
  }
}

/** The document without the fields streaming never reads; itself when it has none (most events: no copy at ingest). */
function withoutUnread(doc: StoredEventDocument): EventDoc {
  const fields = Object.keys(doc);
  if (!fields.some((key) => UNREAD_FIELDS.has(key))) return doc as unknown as EventDoc;
  const kept: Record<string, unknown> = {};
  for (const key of fields) if (!UNREAD_FIELDS.has(key)) kept[key] = doc[key as keyof StoredEventDocument];
  return kept as EventDoc;
}
