/**
 * Following the event tail for one live-stream client (GET /v1/events/stream): every poll reads
 * (newest delivered − overlap, now] by `event.ingested`, so events that become searchable a little late are still
 * delivered, and skips the ids already sent inside the overlap. Knows nothing of HTTP; the route writes the batches.
 */
import type { EventTail, TailPosition } from '../elasticsearch/event-tail.js';
import { comparePositions } from '../elasticsearch/event-tail.js';
import type { TermFilterField } from '../elasticsearch/event-store.js';

export interface TailFollowerSettings {
  /** how far back each poll re-reads to catch events that became searchable late */
  overlapMs: number;
  /** events read per Elasticsearch request (and the most held in memory per client) */
  pageSize: number;
}

/** Follows the tail for one client: yields batches of events not yet delivered. Knows nothing of HTTP. */
export class TailFollower {
  private newest: number;
  /** ids delivered with event.ingested inside the overlap, to skip on re-read */
  private readonly delivered = new Map<string, number>();

  constructor(
    private readonly tail: Pick<EventTail, 'page'>,
    private readonly terms: Partial<Record<TermFilterField, string>>,
    start: number,
    private readonly floor: TailPosition | undefined,
    private readonly options: TailFollowerSettings,
  ) {
    this.newest = start;
  }

  /** One poll; calls `deliver` for each page of new events (awaiting it: that is where back-pressure applies). */
  async poll(deliver: (batch: Array<{ position: TailPosition; event: unknown }>) => Promise<boolean>): Promise<void> {
    const from = this.newest - this.options.overlapMs;
    let after: TailPosition | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const hits = await this.tail.page(from, this.terms, this.options.pageSize, after);
      const fresh = hits.filter((h) => !this.delivered.has(h.position[1]) && (!this.floor || comparePositions(h.position, this.floor) > 0));
      for (const hit of fresh) {
        this.delivered.set(hit.position[1], hit.position[0]);
        this.newest = Math.max(this.newest, hit.position[0]);
      }
      if (fresh.length > 0 && !(await deliver(fresh))) return;
      if (hits.length < this.options.pageSize) break;
      after = hits.at(-1)!.position;
    }
    const horizon = this.newest - this.options.overlapMs;
    for (const [id, ingested] of this.delivered) if (ingested < horizon) this.delivered.delete(id);
  }
}
