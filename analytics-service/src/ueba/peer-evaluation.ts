/**
 * ueba_peer_outlier over a time range: each user against the active members of their department in the same local
 * hour (anomaly-scoring.ts scorePeerOutliers). A department-hour is always scored as a whole, from every member's
 * events as stored, so the same events give the same alerts in every mode.
 *
 * Streaming meets a department-hour piece by piece. It scores it only once its events have stopped arriving: when
 * none of them was ingested in the last SETTLE_MS, and otherwise puts the scoring off until then (UebaScope.recheck).
 * A backfill of past hours is thus scored once each hour's colleagues are all in, never against the first few of
 * them. While the hour itself is still running, a busy department never pauses that long: it is scored at most once
 * per LIVE_RESCORE_MS meanwhile (everyone's hour equally incomplete), and as a whole again once it settles.
 *
 * A group is not scored again while it holds exactly the events it held when it was last scored (the same count:
 * events are only ever added), within LIVE_RESCORE_MS of that scoring: the answer would be the same. While streaming
 * works through a backlog, every slice touches the department-hours the slice before already scored whole.
 *
 * A live rescore scores the group as the stream has read it so far, from streaming's tally (peer-tally.ts), which
 * reads each group's events from before the tally began once: not every member's events of the hour every minute.
 * The scoring once the group settles reads it whole from Elasticsearch, as every other mode does.
 */
import type { EsTiming } from '../elasticsearch/composite-pager.js';
import { peerGroupNewestPages, peerMemberPages, type PeerBucket, type PeerSelection } from '../elasticsearch/ueba-scoring-reader.js';
import { asRule, type AnomalyCandidate, type UebaParams } from './anomaly.js';
import { peerOwnTypical, scorePeerOutliers, type PeerValue } from './anomaly-scoring.js';
import type { BaselineDocument } from './baseline-document.js';
import { HOUR_MS, type HourOfWeekCalendar } from './hour-of-week.js';
import { ms } from '../time/event-time.js';
import { PeerTally } from './peer-tally.js';
import { COUNTED_ONCE } from '../detection/evaluation.js';
import { SCORING_READ, type UebaEvaluationContext, type UebaRuleRun, type UebaScope } from './window-context.js';

/** A department-hour none of whose events was ingested for this long is complete enough to score. */
export const SETTLE_MS = 5000;
/** While its hour runs, a department that never pauses is scored at most this often. */
export const LIVE_RESCORE_MS = 60_000;

const PEER_FEATURES = ['requests', 'tokens_out'] as const;
type PeerFeature = (typeof PEER_FEATURES)[number];

function peerValue(bucket: PeerBucket, feature: PeerFeature, baseline: BaselineDocument | undefined, params: UebaParams): PeerValue {
  const own = peerOwnTypical(baseline, feature, params);
  return { id: bucket.key.entity, value: feature === 'requests' ? bucket.doc_count : (bucket.tokens_out.value ?? 0), requests: bucket.doc_count, ...(own !== undefined ? { ownTypical: own } : {}) };
}

/** The best-scoring feature per member of one (hour, department). */
function* scoreGroup(calendar: HourOfWeekCalendar, members: PeerBucket[], baselines: Map<string, BaselineDocument>, rule: UebaRuleRun): Generator<AnomalyCandidate> {
  const first = members[0];
  if (!first) return;
  const hour = { start: first.key.hour, end: first.key.hour + HOUR_MS, slot: calendar.slotOf(first.key.hour) };
  const best = new Map<string, AnomalyCandidate>();
  for (const feature of PEER_FEATURES) {
    const values = members.map((m) => peerValue(m, feature, baselines.get(m.key.entity), rule.params));
    for (const found of scorePeerOutliers(first.key.group, feature, hour, values, rule.params)) {
      const previous = best.get(found.entity_id);
      if (!previous || previous.score < found.score) best.set(found.entity_id, found);
    }
  }
  for (const found of best.values()) yield asRule(found, rule.rule_id);
}

async function peerBaselines(ctx: UebaEvaluationContext, ids: string[], timing: EsTiming): Promise<Map<string, BaselineDocument>> {
  if (ids.length === 0 || !(await ctx.baselines.hasAny('user'))) return new Map();
  return ctx.baselines.getMany('user', ids, timing, SCORING_READ);
}

/**
 * Streaming's record of a department-hour: when it was last scored and how many events it held then, since when it
 * has waited to be, and the newest event.ingested known of it (read from Elasticsearch: the group cannot settle
 * before SETTLE_MS after it, whatever the events of a lagging stream say).
 */
type GroupMemory = Map<string, { scoredAt?: number; scoredEvents?: number; waitingSince?: number; newest?: number }>;

function groupMemory(memory: Map<string, unknown> | undefined): GroupMemory {
  if (!memory) return new Map();
  let groups = memory.get('ueba:peer-groups') as GroupMemory | undefined;
  if (!groups || groups.size > 10_000) memory.set('ueba:peer-groups', (groups = new Map()));
  return groups;
}

/**
 * The rule's tally of running department-hours (peer-tally.ts): made by the first slice whose events it can count
 * (none when the rule's condition cannot be told from streamed events); rechecks, without events, use it as it is.
 */
function peerTally(scope: UebaScope, rule: UebaRuleRun): PeerTally | undefined {
  if (!scope.memory) return undefined;
  const key = `${COUNTED_ONCE}ueba:peer-tally:${rule.rule_id}`;
  let tally = scope.memory.get(key) as PeerTally | undefined;
  if (!tally && scope.events && scope.countable) scope.memory.set(key, (tally = new PeerTally(Date.now(), SETTLE_MS)));
  return tally;
}

/**
 * Buckets per page of streaming's reads of whole department-hours. Each page of a composite aggregation visits every
 * event its query matches, and the department-hours a slice touches under 110 000 users have tens of thousands of
 * members together: at the readers' default of 2 000, a restart's drain read 41 pages of members and spent 6.5 s of
 * Elasticsearch's time on them; at 10 000, 9 pages and 4.8 s (bench/streaming-lag.ts --trace-dir). Streaming holds
 * every member of the groups it scores at once anyway (and reads their baselines in one go), so larger pages cost it
 * no memory. Retro-hunts keep the default: they score a page at a time and read the baselines of a page's members
 * with it.
 */
const WHOLE_GROUP_PAGE_SIZE = 10_000;

/** A department-hour the listed users touch: one of them, and the newest event.ingested among their events of it. */
interface TouchedGroup {
  hour: number;
  group: string;
  entity: string;
  newest: number;
}

/**
 * Streaming: the department-hours of the listed users, each scored as a whole once settled (see the file comment).
 * Which groups the users touch comes from the new events themselves, or, for a recheck (no events), from the users'
 * events of the hours as stored. The whole group is read only when it may be scored: when one of those events was
 * ingested within SETTLE_MS, or else (one small aggregation for all the groups left) any member's, and the group
 * is not due a live rescore, it cannot be settled and waits unread (its recheck then comes no later than it
 * would after reading the group). The groups that may be scored are read together, in one aggregation, and their
 * members' baselines in one read.
 */
async function* streamingPeerCandidates(evaluation: UebaEvaluationContext, calendar: HourOfWeekCalendar, hours: { from: number; to: number }, scope: UebaScope, rule: UebaRuleRun, timing: EsTiming): AsyncGenerator<AnomalyCandidate> {
  const ctx = { ...evaluation, pageSize: evaluation.pageSize ?? WHOLE_GROUP_PAGE_SIZE };
  const groups = groupMemory(scope.memory);
  const tally = peerTally(scope, rule);
  if (tally && scope.events) tally.add(calendar, scope.events, Date.now());
  const touched = scope.events ? touchedByEvents(calendar, scope.events) : await touchedByUsers(ctx, hours, scope, timing);
  const unread: Array<[string, TouchedGroup]> = [];
  const fromTally: Array<[string, TouchedGroup]> = [];
  for (const [key, t] of touched) {
    // a stream behind by more than SETTLE_MS meets only events that look settled: what Elasticsearch last showed of
    // the group decides too, or every slice would read the activity of every group it touches
    const newest = Math.max(t.newest, groups.get(key)?.newest ?? 0, tally?.newest(key) ?? 0);
    const now = Date.now();
    if (waits(groups, key, t.hour, newest, now)) scope.recheck?.(t.hour, t.group, t.entity, newest + SETTLE_MS);
    // a running hour due a live rescore, unsettled by the stream's own events: scored from the tally
    else if (tally && live(tally, key, t.hour, tally.newest(key) ?? 0, now)) fromTally.push([key, t]);
    else unread.push([key, t]);
  }
  const due: Array<[string, TouchedGroup]> = [];
  if (unread.length > 0) {
    // one read of the groups' newest activity and size: a group that has not settled waits, and one that is as it
    // was when last scored is left, without its members being read
    const activity = new Map<string, { newest: number; events: number }>();
    for await (const page of peerGroupNewestPages(ctx, covering(unread, scope), timing)) {
      for (const b of page) activity.set(`${b.key.hour}|${b.key.group}`, { newest: b.ingested.value ?? 0, events: b.doc_count });
    }
    for (const [key, t] of unread) {
      const group = activity.get(key);
      const newest = Math.max(t.newest, group?.newest ?? 0);
      const now = Date.now();
      groups.set(key, { ...groups.get(key), newest });
      if (waits(groups, key, t.hour, newest, now)) scope.recheck?.(t.hour, t.group, t.entity, newest + SETTLE_MS);
      else if (unchangedSinceScored(groups, key, group?.events, now)) continue;
      // unsettled as Elasticsearch shows it (a stream behind by more than SETTLE_MS): the tally is as good
      else if (tally && live(tally, key, t.hour, newest, now)) fromTally.push([key, t]);
      else due.push([key, t]);
    }
  }
  if (tally && fromTally.length > 0) yield* liveFromTally(ctx, calendar, fromTally, tally, scope, rule, timing);
  if (due.length === 0) return;
  // the due groups whole, in one read: every member of their departments in the span of their hours
  const members = new Map<string, PeerBucket[]>(due.map(([key]) => [key, []]));
  for await (const page of peerMemberPages(ctx, covering(due, scope), timing)) {
    for (const b of page) members.get(`${b.key.hour}|${b.key.group}`)?.push(b);
  }
  const baselines = await peerBaselines(ctx, [...new Set([...members.values()].flatMap((whole) => whole.map((m) => m.key.entity)))], timing);
  for (const [key, { hour, group, entity }] of due) {
    const whole = members.get(key)!;
    const newest = Math.max(...whole.map((m) => m.ingested.value ?? 0));
    const now = Date.now();
    if (newest > now - SETTLE_MS) {
      scope.recheck?.(hour, group, entity, newest + SETTLE_MS);
      if (waits(groups, key, hour, newest, now)) continue;
      // a running hour that never pauses: score it as it stands, and again as a whole once it settles
    }
    groups.set(key, { scoredAt: now, scoredEvents: whole.reduce((n, m) => n + m.doc_count, 0), newest });
    yield* scoreGroup(calendar, whole, baselines, rule);
  }
}

/** Whether a group due a rescore is scored from the tally: its hour runs, it has not settled, the tally has it. */
function live(tally: PeerTally, key: string, hour: number, newest: number, now: number): boolean {
  return tally.ready(now) && hour + HOUR_MS > now && newest > now - SETTLE_MS && tally.newest(key) !== undefined;
}

/**
 * Running department-hours due a live rescore, scored as the stream has read them: from the tally, after one read,
 * for all the groups not seeded yet, of their events ingested before the tally began.
 */
async function* liveFromTally(ctx: UebaEvaluationContext, calendar: HourOfWeekCalendar, due: Array<[string, TouchedGroup]>, tally: PeerTally, scope: UebaScope, rule: UebaRuleRun, timing: EsTiming): AsyncGenerator<AnomalyCandidate> {
  const groups = groupMemory(scope.memory);
  const unseeded = due.filter(([key]) => !tally.seeded(key));
  if (unseeded.length > 0) {
    const seeds = new Map<string, PeerBucket[]>(unseeded.map(([key]) => [key, []]));
    for await (const page of peerMemberPages(ctx, { ...covering(unseeded, scope), ingestedBefore: tally.startedAt }, timing, 'ueba peer groups before the tally')) {
      for (const b of page) seeds.get(`${b.key.hour}|${b.key.group}`)?.push(b);
    }
    for (const [key, members] of seeds) tally.seed(key, members);
  }
  const wholes = new Map(due.map(([key]) => [key, tally.whole(key)]));
  const baselines = await peerBaselines(ctx, [...new Set([...wholes.values()].flatMap((whole) => whole.map((m) => m.key.entity)))], timing);
  for (const [key, { hour, group, entity }] of due) {
    const whole = wholes.get(key)!;
    const newest = Math.max(...whole.map((m) => m.ingested.value ?? 0));
    // and as a whole once it settles
    scope.recheck?.(hour, group, entity, newest + SETTLE_MS);
    groups.set(key, { scoredAt: Date.now(), scoredEvents: whole.reduce((n, m) => n + m.doc_count, 0), newest });
    yield* scoreGroup(calendar, whole, baselines, rule);
  }
}

/** The department-hours the listed users' events of these hours fall in, and the newest event.ingested of each. */
async function touchedByUsers(ctx: UebaEvaluationContext, hours: { from: number; to: number }, scope: UebaScope, timing: EsTiming): Promise<Map<string, TouchedGroup>> {
  const touched = new Map<string, TouchedGroup>();
  for await (const page of peerMemberPages(ctx, { ...scope, ...hours }, timing, 'ueba peer members')) {
    for (const b of page) touch(touched, b.key.hour, b.key.group, b.key.entity, b.ingested.value ?? 0);
  }
  return touched;
}

/**
 * The same, read off the new events themselves (no request): the department-hours of their requests, and the newest
 * event.ingested among them. The users' other events of the hour only matter for whether the group has settled,
 * which the read of the groups' activity then decides.
 */
function touchedByEvents(calendar: HourOfWeekCalendar, events: Array<Record<string, unknown>>): Map<string, TouchedGroup> {
  const touched = new Map<string, TouchedGroup>();
  for (const e of events) {
    const group = e.user_department;
    if (e.category !== 'request' || typeof group !== 'string' || group === '' || typeof e.user_id !== 'string') continue;
    const ingested = Date.parse(String((e.event as { ingested?: unknown } | undefined)?.ingested));
    touch(touched, calendar.floorToHour(ms(e)), group, e.user_id, Number.isNaN(ingested) ? Date.now() : ingested);
  }
  return touched;
}

function touch(touched: Map<string, TouchedGroup>, hour: number, group: string, entity: string, ingested: number): void {
  const key = `${hour}|${group}`;
  const seen = touched.get(key);
  if (!seen) touched.set(key, { hour, group, entity, newest: ingested });
  else seen.newest = Math.max(seen.newest, ingested);
}

/** What covers these department-hours: their departments over the span of their hours (and the rule's filter). */
function covering(groups: Array<[string, TouchedGroup]>, scope: UebaScope): PeerSelection {
  const hours = groups.map(([, t]) => t.hour);
  return { from: Math.min(...hours), to: Math.max(...hours) + HOUR_MS, departments: [...new Set(groups.map(([, t]) => t.group))], ...(scope.filter ? { filter: scope.filter } : {}) };
}

/** Whether a department-hour of `events` events was scored holding just as many, within LIVE_RESCORE_MS. */
function unchangedSinceScored(groups: GroupMemory, key: string, events: number | undefined, now: number): boolean {
  const memory = groups.get(key);
  return events !== undefined && memory?.scoredEvents === events && now - (memory.scoredAt ?? -Infinity) < LIVE_RESCORE_MS;
}

/**
 * Whether a department-hour whose newest known event was ingested at `newest` waits (and is recorded as waiting):
 * not settled, and either its hour is over (it settles soon) or it was scored, or began waiting, within
 * LIVE_RESCORE_MS.
 */
function waits(groups: GroupMemory, key: string, hour: number, newest: number, now: number): boolean {
  if (newest <= now - SETTLE_MS) return false;
  const memory = groups.get(key) ?? {};
  const waitingSince = memory.waitingSince ?? now;
  const running = hour + HOUR_MS > now;
  if (running && now - Math.max(memory.scoredAt ?? -Infinity, waitingSince) >= LIVE_RESCORE_MS) return false;
  groups.set(key, { ...memory, waitingSince });
  return true;
}

export async function* peerCandidates(ctx: UebaEvaluationContext, calendar: HourOfWeekCalendar, hours: { from: number; to: number }, scope: UebaScope, rule: UebaRuleRun, timing: EsTiming): AsyncGenerator<AnomalyCandidate> {
  if (scope.entities) {
    yield* streamingPeerCandidates(ctx, calendar, hours, scope, rule, timing);
    return;
  }
  // retro-hunt: every (hour, department) in turn, each arriving contiguously
  const selection = { from: hours.from, to: hours.to, ...(scope.filter ? { filter: scope.filter } : {}) };
  let group: PeerBucket[] = [];
  let baselines = new Map<string, BaselineDocument>();
  for await (const page of peerMemberPages(ctx, selection, timing)) {
    // keep only the baselines of the group still open across the page boundary
    const open = new Set(group.map((m) => m.key.entity));
    baselines = new Map([...baselines].filter(([id]) => open.has(id)));
    for (const [id, doc] of await peerBaselines(ctx, [...new Set(page.map((b) => b.key.entity))].filter((id) => !baselines.has(id)), timing)) baselines.set(id, doc);
    for (const bucket of page) {
      const head = group[0];
      if (head && (head.key.hour !== bucket.key.hour || head.key.group !== bucket.key.group)) {
        yield* scoreGroup(calendar, group, baselines, rule);
        group = [];
      }
      group.push(bucket);
    }
  }
  yield* scoreGroup(calendar, group, baselines, rule);
}
