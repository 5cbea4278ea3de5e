/**
 * Streaming's tally of running department-hours: each member's requests, output tokens and newest event.ingested,
 * so that the once-a-minute live rescore of a busy department (peer-evaluation.ts) is arithmetic on memory, not a
 * read of every member's events of the hour so far (about 8 s for five departments of 16 000 members at 7 000
 * events/s, docs/scaling.md).
 *
 * What it holds of a department-hour is exactly its member events as far as the stream has read them:
 * - the tally starts at `startedAt`; every streamed member event ingested at or after it is added, once (a slice whose
 *   evaluation failed is evaluated again: the engine then drops the tally, evaluation.ts COUNTED_ONCE);
 * - the group's events ingested before `startedAt` are read from Elasticsearch once (`seed`), and only
 *   `searchableAfterMs` after it (`ready`): events are searchable by then, as a group's settling assumes;
 * - streamed events ingested before `startedAt` are left out: they are in the seed.
 * Only running hours are kept (and the hour before, for clocks that disagree); past the cap it starts over.
 */
import type { PeerBucket } from '../elasticsearch/ueba-scoring-reader.js';
import { HOUR_MS, type HourOfWeekCalendar } from './hour-of-week.js';
import { ms } from '../time/event-time.js';

/** Most members held over all department-hours; past it the tally starts over. */
const MAX_MEMBERS = 500_000;

interface Member {
  requests: number;
  tokensOut: number;
  newest: number;
}

interface GroupTally {
  hour: number;
  group: string;
  /** members as of before startedAt, once read */
  seeded?: Map<string, Member>;
  streamed: Map<string, Member>;
  /** newest event.ingested streamed */
  newest: number;
}

export class PeerTally {
  private readonly groups = new Map<string, GroupTally>();
  private members = 0;

  constructor(
    public startedAt: number,
    private readonly searchableAfterMs: number,
  ) {}

  /** Whether a group's events ingested before startedAt are all searchable, so its seed may be read. */
  ready(now: number): boolean {
    return now >= this.startedAt + this.searchableAfterMs;
  }

  /** The streamed member events (requests of users with a department) of a slice. */
  add(calendar: HourOfWeekCalendar, events: Array<Record<string, unknown>>, now: number): void {
    const oldest = calendar.floorToHour(now) - HOUR_MS;
    for (const [key, group] of this.groups) if (group.hour < oldest) this.drop(key, group);
    for (const e of events) {
      const department = e.user_department;
      const user = e.user_id;
      if (e.category !== 'request' || typeof department !== 'string' || department === '' || typeof user !== 'string') continue;
      if (this.members >= MAX_MEMBERS) this.startOver(now);
      const ingested = Date.parse(String((e.event as { ingested?: unknown } | undefined)?.ingested));
      if (!(ingested >= this.startedAt)) continue;
      const hour = calendar.floorToHour(ms(e));
      if (hour < oldest) continue;
      const key = `${hour}|${department}`;
      let group = this.groups.get(key);
      if (!group) this.groups.set(key, (group = { hour, group: department, streamed: new Map(), newest: ingested }));
      const member = group.streamed.get(user) ?? { requests: 0, tokensOut: 0, newest: ingested };
      if (member.requests === 0) {
        group.streamed.set(user, member);
        this.members++;
      }
      member.requests++;
      member.tokensOut += typeof e.tokens_out === 'number' ? e.tokens_out : 0;
      member.newest = Math.max(member.newest, ingested);
      group.newest = Math.max(group.newest, ingested);
    }
  }

  /** Newest event.ingested streamed of the group since startedAt, if any. */
  newest(key: string): number | undefined {
    return this.groups.get(key)?.newest;
  }

  /** Whether the group's events from before the tally began were read. */
  seeded(key: string): boolean {
    return this.groups.get(key)?.seeded !== undefined;
  }

  /** The group's members as read from events ingested before startedAt (none: an empty list). */
  seed(key: string, members: PeerBucket[]): void {
    const group = this.groups.get(key);
    if (!group) return;
    group.seeded = new Map(members.map((m) => [m.key.entity, { requests: m.doc_count, tokensOut: m.tokens_out.value ?? 0, newest: m.ingested.value ?? 0 }]));
    this.members += group.seeded.size;
  }

  /** The group's members, seeded and streamed together, as the member read (peerMemberPages) has them. */
  whole(key: string): PeerBucket[] {
    const group = this.groups.get(key);
    if (!group) return [];
    const all = new Map<string, Member>();
    for (const part of [group.seeded ?? new Map<string, Member>(), group.streamed]) {
      for (const [user, m] of part) {
        const known = all.get(user);
        all.set(user, known ? { requests: known.requests + m.requests, tokensOut: known.tokensOut + m.tokensOut, newest: Math.max(known.newest, m.newest) } : m);
      }
    }
    return [...all]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([user, m]) => ({ key: { hour: group.hour, group: group.group, entity: user }, doc_count: m.requests, tokens_out: { value: m.tokensOut }, ingested: { value: m.newest } }));
  }

  private drop(key: string, group: GroupTally): void {
    this.members -= group.streamed.size + (group.seeded?.size ?? 0);
    this.groups.delete(key);
  }

  private startOver(now: number): void {
    this.groups.clear();
    this.members = 0;
    this.startedAt = now;
  }
}
