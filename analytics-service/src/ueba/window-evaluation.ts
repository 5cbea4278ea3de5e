/**
 * Scores a time range against UEBA baselines: asks Elasticsearch for the per-(entity, local hour) features of
 * the hours that overlap the range, and for first-seen values with their history, then calls the pure scoring
 * functions. Streaming windows and retro-hunts call the same code; the unit of scoring is always a whole hour
 * (or a whole first occurrence), so evaluating an hour twice finds the same anomaly with the same dedup key.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { BaselineStore } from '../elasticsearch/baseline-store.js';
import { compositePages, EsTiming } from '../elasticsearch/composite-pager.js';
import { DETECTION_PREFERENCE } from '../elasticsearch/detection-store.js';
import { withAvailability } from '../elasticsearch/errors.js';
import { asRule, type AnomalyCandidate, type UebaAnomaly, type UebaParams } from './anomaly.js';
import {
  scoreCostSpike,
  scoreFirstSeen,
  scoreOffProfileHours,
  peerStatistics,
  scorePeerOutliers,
  scoreTokenShift,
  scoreVolumeSpike,
  type PeerStatistics,
  type PeerValue,
  type ScoredHour,
  type ValueHistory,
} from './anomaly-scoring.js';
import type { BaselineDocument } from './baseline-document.js';
import { ENTITY_FIELD, type EntityKind } from './entities.js';
import { HOUR_MS, HourOfWeekCalendar } from './hour-of-week.js';

export interface UebaEvaluationContext {
  es: Client;
  eventsIndex: string;
  baselines: BaselineStore;
  timeZone: string;
  /** buckets per composite page */
  pageSize?: number;
  timing?: EsTiming;
}

export interface UebaRuleRun {
  rule_id: string;
  anomaly: UebaAnomaly;
  params: UebaParams;
}

/** What to score: event time [from, to), optionally only some entities and only events matching a filter. */
export interface UebaScope {
  from: number;
  to: number;
  /** entity ids to score (streaming passes the entities of new events); all when absent */
  entities?: string[];
  /** further condition on the scored events (a rule's `where`) */
  filter?: estypes.QueryDslQueryContainer;
  /** streaming: what scoring remembers between polls (the engine's, forgotten when a replica takes over) */
  memory?: Map<string, unknown>;
  /** streaming: asks for a user's department-hour to be scored as a whole at `at` (see peerCandidates) */
  recheck?: (hour: number, group: string, user: string, at: number) => void;
}

/** Baselines change once per refresh: scoring may reuse what it read in the last minute. */
const SCORING_READ = { maxAgeMs: 60_000 };

export const HOURLY: UebaAnomaly[] = ['volume_spike', 'token_shift', 'cost_spike', 'off_profile_hours'];
export const FIRST_SEEN_FIELD: Partial<Record<UebaAnomaly, 'src_country' | 'model'>> = { new_country: 'src_country', new_model_for_user: 'model' };

/** Filters shared by every query of a scope: the entity field present (and in the list), the rule's condition. */
function scopeFilters(field: string, scope: UebaScope): estypes.QueryDslQueryContainer[] {
  const filters: estypes.QueryDslQueryContainer[] = [{ exists: { field } }];
  if (scope.entities) filters.push({ terms: { [field]: scope.entities } });
  if (scope.filter) filters.push(scope.filter);
  return filters;
}

const range = (from: number, to: number): estypes.QueryDslQueryContainer => ({
  range: { '@timestamp': { gte: new Date(from).toISOString(), lt: new Date(to).toISOString() } },
});
const REQUEST: estypes.QueryDslQueryContainer = { term: { category: 'request' } };

/** The local hours that overlap [from, to). */
export function hoursCovering(calendar: HourOfWeekCalendar, from: number, to: number): { from: number; to: number } {
  return { from: calendar.floorToHour(from), to: calendar.floorToHour(to - 1) + HOUR_MS };
}

interface HourlyBucket {
  key: { entity: string; hour: number };
  doc_count: number;
  /** present when a token-shift rule is run */
  tokens_out?: { values: Array<{ key: number; value: number | null }> };
  tokens_in?: { values: Array<{ key: number; value: number | null }> };
  /** present when a cost-spike rule is run */
  cost?: { value: number | null };
}

const median = (agg: HourlyBucket['tokens_out']) => agg?.values.find((v) => v.key === 50)?.value ?? undefined;

async function* hourlyCandidates(ctx: UebaEvaluationContext, calendar: HourOfWeekCalendar, kind: EntityKind, hours: { from: number; to: number }, scope: UebaScope, rules: UebaRuleRun[], timing: EsTiming): AsyncGenerator<AnomalyCandidate> {
  const field = ENTITY_FIELD[kind];
  // nothing to score against until baselines of this kind exist (a fresh install, or a hunt before the first rebuild)
  if (!(await ctx.baselines.hasAny(kind))) return;
  // per-hour medians are the costly part: ask only for what the rules being run read
  const aggs: Record<string, estypes.AggregationsAggregationContainer> = {};
  if (rules.some((r) => r.anomaly === 'token_shift')) {
    aggs.tokens_out = { percentiles: { field: 'tokens_out', percents: [50], keyed: false } };
    aggs.tokens_in = { percentiles: { field: 'tokens_in', percents: [50], keyed: false } };
  }
  if (rules.some((r) => r.anomaly === 'cost_spike')) aggs.cost = { sum: { field: 'cost_usd' } };
  const pages = compositePages<HourlyBucket>(
    ctx.es,
    {
      index: ctx.eventsIndex,
      preference: DETECTION_PREFERENCE,
      query: { bool: { filter: [range(hours.from, hours.to), REQUEST, ...scopeFilters(field, scope)] } },
      sources: [{ entity: { terms: { field } } }, { hour: { date_histogram: { field: '@timestamp', fixed_interval: '1h', time_zone: ctx.timeZone } } }],
      aggs,
      pageSize: ctx.pageSize ?? 2000,
    },
    timing,
    'ueba hourly features',
  );
  for await (const page of pages) {
    const baselines = await ctx.baselines.getMany(kind, [...new Set(page.map((b) => b.key.entity))], timing, SCORING_READ);
    for (const bucket of page) {
      const baseline = baselines.get(bucket.key.entity);
      if (!baseline) continue; // no baseline yet: a new entity is nobody's anomaly (the peer rule covers new users)
      const hour: ScoredHour = { kind, id: bucket.key.entity, start: bucket.key.hour, end: bucket.key.hour + HOUR_MS, slot: calendar.slotOf(bucket.key.hour) };
      for (const { rule_id, anomaly, params } of rules) {
        let found: AnomalyCandidate | undefined;
        if (anomaly === 'volume_spike') found = scoreVolumeSpike(baseline, hour, bucket.doc_count, params);
        else if (anomaly === 'off_profile_hours') found = scoreOffProfileHours(baseline, hour, bucket.doc_count, params);
        else if (anomaly === 'cost_spike') found = scoreCostSpike(baseline, hour, bucket.cost?.value ?? 0, bucket.doc_count, params);
        else if (anomaly === 'token_shift') {
          const observation = { requests: bucket.doc_count } as { requests: number; tokens_in_median?: number; tokens_out_median?: number };
          const out = median(bucket.tokens_out);
          const inn = median(bucket.tokens_in);
          if (out !== undefined) observation.tokens_out_median = out;
          if (inn !== undefined) observation.tokens_in_median = inn;
          found = scoreTokenShift(baseline, hour, observation, params);
        }
        if (found) yield asRule(found, rule_id);
      }
    }
  }
}

interface FirstBucket {
  key: { entity: string; value: string };
  doc_count: number;
  first: { value: number | null };
  last: { value: number | null };
}

/**
 * (field, entity, value) → the latest time the entity was seen with the value. A pair seen before a window (and
 * within the look-back) is not new in it: streaming meets the same users with the same values batch after batch,
 * and this spares it the history query for them.
 */
const lastSeenPairs = new Map<string, number>();
const pairKey = (index: string, field: string, entity: string, value: string) => `${index}\u0000${field}\u0000${entity}\u0000${value}`;
function rememberPair(key: string, at: number): void {
  if (lastSeenPairs.size > 200_000) lastSeenPairs.clear();
  lastSeenPairs.set(key, Math.max(at, lastSeenPairs.get(key) ?? -Infinity));
}

/**
 * Of new events carrying `valueField`, those whose value may be new for their entity: not seen by an earlier
 * evaluation within the look-back, and not listed by a stored baseline that ends before the event (streaming
 * calls this before any query, so a user working as usual costs Elasticsearch nothing).
 */
export async function eventsWithUnseenValues<E extends Record<string, unknown>>(
  ctx: UebaEvaluationContext,
  kind: EntityKind,
  valueField: 'src_country' | 'model',
  lookbackDays: number,
  events: E[],
): Promise<E[]> {
  const field = ENTITY_FIELD[kind];
  const lookbackMs = lookbackDays * 86_400_000;
  const at = (e: E) => Date.parse(String(e['@timestamp']));
  const open = events.filter((e) => {
    const seenAt = lastSeenPairs.get(pairKey(ctx.eventsIndex, valueField, String(e[field]), String(e[valueField])));
    return !(seenAt !== undefined && seenAt < at(e) && seenAt >= at(e) - lookbackMs);
  });
  if (open.length === 0 || !(await ctx.baselines.hasAny(kind))) return open;
  const baselines = await ctx.baselines.getMany(kind, [...new Set(open.map((e) => String(e[field])))], undefined, SCORING_READ);
  return open.filter((e) => {
    const baseline = baselines.get(String(e[field]));
    if (!baseline || Date.parse(baseline.window_end) > at(e) || Date.parse(baseline.window_start) < at(e) - lookbackMs) return true;
    const seen = valueField === 'src_country' ? baseline.profile.countries : baseline.profile.models;
    return !seen.some((v) => v.value === String(e[valueField]));
  });
}

/** Of new request events, those of entities with a baseline: the only ones the hourly rules can score. */
export async function eventsOfProfiledEntities<E extends Record<string, unknown>>(ctx: UebaEvaluationContext, kind: EntityKind, events: E[]): Promise<E[]> {
  if (events.length === 0 || !(await ctx.baselines.hasAny(kind))) return [];
  const field = ENTITY_FIELD[kind];
  const baselines = await ctx.baselines.getMany(kind, [...new Set(events.map((e) => String(e[field])))], undefined, SCORING_READ);
  return events.filter((e) => baselines.has(String(e[field])));
}

interface HistoryBucket {
  key: string;
  doc_count: number;
  first: { value: number | null };
  values: { buckets: Array<{ key: string; doc_count: number; last: { value: number | null } }> };
  distinct: { value: number | null };
}

async function* firstSeenCandidates(ctx: UebaEvaluationContext, calendar: HourOfWeekCalendar, kind: EntityKind, scope: UebaScope, rule: UebaRuleRun, timing: EsTiming): AsyncGenerator<AnomalyCandidate> {
  const field = ENTITY_FIELD[kind];
  const valueField = FIRST_SEEN_FIELD[rule.anomaly]!;
  const pages = compositePages<FirstBucket>(
    ctx.es,
    {
      index: ctx.eventsIndex,
      preference: DETECTION_PREFERENCE,
      query: { bool: { filter: [range(scope.from, scope.to), ...scopeFilters(field, scope), { exists: { field: valueField } }] } },
      sources: [{ entity: { terms: { field } } }, { value: { terms: { field: valueField } } }],
      aggs: { first: { min: { field: '@timestamp' } }, last: { max: { field: '@timestamp' } } },
      pageSize: ctx.pageSize ?? 2000,
    },
    timing,
    'ueba first-seen values',
  );
  const lookbackMs = rule.params.lookback_days * 86_400_000;
  for await (const unfiltered of pages) {
    // a value the stored baseline lists was seen before the window, when the baseline ends before the window
    // starts (streaming, and hunts after a rebuild): only the other values need the history query
    const baselines = (await ctx.baselines.hasAny(kind)) ? await ctx.baselines.getMany(kind, [...new Set(unfiltered.map((b) => b.key.entity))], timing, SCORING_READ) : new Map<string, BaselineDocument>();
    const key = (b: FirstBucket) => pairKey(ctx.eventsIndex, valueField, b.key.entity, b.key.value);
    const page = unfiltered.filter((bucket) => {
      const seenAt = lastSeenPairs.get(key(bucket));
      if (seenAt !== undefined && seenAt < scope.from && seenAt >= scope.from - lookbackMs) return false;
      const baseline = baselines.get(bucket.key.entity);
      if (!baseline || Date.parse(baseline.window_end) > scope.from || Date.parse(baseline.window_start) < scope.from - lookbackMs) return true;
      const seen = valueField === 'src_country' ? baseline.profile.countries : baseline.profile.models;
      return !seen.some((v) => v.value === bucket.key.value);
    });
    for (const bucket of unfiltered) if (bucket.last.value !== null) rememberPair(key(bucket), bucket.last.value);
    if (page.length === 0) continue;
    const ids = [...new Set(page.map((b) => b.key.entity))];
    const response = await withAvailability('ueba first-seen history', () =>
      ctx.es.search({
        index: ctx.eventsIndex,
        preference: DETECTION_PREFERENCE,
        size: 0,
        ignore_unavailable: true,
        allow_no_indices: true,
        query: { bool: { filter: [range(scope.from - lookbackMs, scope.from), { terms: { [field]: ids } }] } },
        aggs: {
          entities: {
            terms: { field, size: ids.length },
            aggs: {
              first: { min: { field: '@timestamp' } },
              values: { terms: { field: valueField, size: 500 }, aggs: { last: { max: { field: '@timestamp' } } } },
              distinct: { cardinality: { field: valueField } },
            },
          },
        },
      }),
    );
    timing.add(response);
    const histories = new Map<string, ValueHistory>();
    for (const b of (response.aggregations?.entities as unknown as { buckets: HistoryBucket[] } | undefined)?.buckets ?? []) {
      for (const v of b.values.buckets) if (v.last.value !== null) rememberPair(pairKey(ctx.eventsIndex, valueField, String(b.key), String(v.key)), v.last.value);
      histories.set(String(b.key), {
        events: b.doc_count,
        first_seen: b.first.value ?? scope.from,
        values: b.values.buckets.map((v) => ({ value: String(v.key), count: v.doc_count })),
        distinct: b.distinct.value ?? b.values.buckets.length,
      });
    }
    for (const bucket of page) {
      const firstAt = bucket.first.value ?? scope.from;
      const hourStart = calendar.floorToHour(firstAt);
      const hour: ScoredHour = { kind, id: bucket.key.entity, start: hourStart, end: hourStart + HOUR_MS, slot: calendar.slotOf(hourStart) };
      const feature = valueField;
      const found = scoreFirstSeen(
        rule.anomaly as 'new_country' | 'new_model_for_user',
        feature,
        hour,
        bucket.key.value,
        firstAt,
        bucket.doc_count,
        histories.get(bucket.key.entity),
        rule.params,
      );
      if (found) yield asRule(found, rule.rule_id);
    }
  }
}

interface PeerBucket {
  key: { hour: number; group: string; entity: string };
  doc_count: number;
  tokens_out: { value: number | null };
}

const PEER_FEATURES = ['requests', 'tokens_out'] as const;
type PeerFeature = (typeof PEER_FEATURES)[number];

function ownTypical(baseline: BaselineDocument | undefined, feature: PeerFeature, params: UebaParams): number | undefined {
  if (!baseline || baseline.history_days < params.min_history_days || baseline.active_hours < params.min_active_hours) return undefined;
  return feature === 'requests' ? baseline.requests_per_active_hour.median : baseline.hourly_tokens_out.median;
}

function peerValue(bucket: PeerBucket, feature: PeerFeature, baseline: BaselineDocument | undefined, params: UebaParams): PeerValue {
  const own = ownTypical(baseline, feature, params);
  return { id: bucket.key.entity, value: feature === 'requests' ? bucket.doc_count : (bucket.tokens_out.value ?? 0), requests: bucket.doc_count, ...(own !== undefined ? { ownTypical: own } : {}) };
}

/** The best-scoring feature per member of one (hour, department). */
function* scoreGroup(
  calendar: HourOfWeekCalendar,
  members: PeerBucket[],
  baselines: Map<string, BaselineDocument>,
  rule: UebaRuleRun,
  statistics?: Record<PeerFeature, PeerStatistics>,
): Generator<AnomalyCandidate> {
  const first = members[0];
  if (!first) return;
  const hour = { start: first.key.hour, end: first.key.hour + HOUR_MS, slot: calendar.slotOf(first.key.hour) };
  const best = new Map<string, AnomalyCandidate>();
  for (const feature of PEER_FEATURES) {
    const values = members.map((m) => peerValue(m, feature, baselines.get(m.key.entity), rule.params));
    for (const found of scorePeerOutliers(first.key.group, feature, hour, values, rule.params, statistics?.[feature])) {
      const previous = best.get(found.entity_id);
      if (!previous || previous.score < found.score) best.set(found.entity_id, found);
    }
  }
  for (const found of best.values()) yield asRule(found, rule.rule_id);
}

const peerSources = (timeZone: string): Array<Record<string, estypes.AggregationsCompositeAggregationSource>> => [
  { hour: { date_histogram: { field: '@timestamp', fixed_interval: '1h', time_zone: timeZone } } },
  { group: { terms: { field: 'user_department' } } },
  { entity: { terms: { field: 'user_id' } } },
];

/** How often streaming scores a department-hour as a whole (see peerCandidates). */
const PEER_RESCORE_MS = 5000;
/** department-hours streaming last scored as a whole: when, and the group's statistics then */
type PeerGroupMemory = Map<string, { at: number; statistics: Record<PeerFeature, PeerStatistics> }>;

function peerGroupMemory(memory: Map<string, unknown> | undefined): PeerGroupMemory {
  if (!memory) return new Map();
  let groups = memory.get('ueba:peer-groups') as PeerGroupMemory | undefined;
  if (!groups || groups.size > 10_000) memory.set('ueba:peer-groups', (groups = new Map()));
  return groups;
}

/** Members' requests and output tokens per (hour, department), hour first, then department, then user. */
function groupPages(ctx: UebaEvaluationContext, filter: estypes.QueryDslQueryContainer[], timing: EsTiming, what = 'ueba peer groups'): AsyncGenerator<PeerBucket[]> {
  return compositePages<PeerBucket>(
    ctx.es,
    {
      index: ctx.eventsIndex,
      preference: DETECTION_PREFERENCE,
      query: { bool: { filter } },
      sources: peerSources(ctx.timeZone),
      aggs: { tokens_out: { sum: { field: 'tokens_out' } } },
      pageSize: ctx.pageSize ?? 2000,
    },
    timing,
    what,
  );
}

async function peerBaselines(ctx: UebaEvaluationContext, members: PeerBucket[], timing: EsTiming): Promise<Map<string, BaselineDocument>> {
  if (!(await ctx.baselines.hasAny('user'))) return new Map();
  return ctx.baselines.getMany('user', [...new Set(members.map((b) => b.key.entity))], timing, SCORING_READ);
}

async function* peerCandidates(ctx: UebaEvaluationContext, calendar: HourOfWeekCalendar, hours: { from: number; to: number }, scope: UebaScope, rule: UebaRuleRun, timing: EsTiming): AsyncGenerator<AnomalyCandidate> {
  const filter: estypes.QueryDslQueryContainer[] = [REQUEST, { exists: { field: 'user_id' } }, { exists: { field: 'user_department' } }];
  if (scope.filter) filter.push(scope.filter);

  if (scope.entities) {
    // streaming: the listed users' (hour, department) groups. A group not scored as a whole for PEER_RESCORE_MS is
    // scored as a whole, afresh. In between, only the users with new events are scored, against the group's
    // statistics of that time, and the group is rechecked as a whole once PEER_RESCORE_MS has passed — so a user
    // who stands out only once colleagues' later events arrive is flagged then, even if no event follows
    const peerGroups = peerGroupMemory(scope.memory);
    const pages = groupPages(ctx, [...filter, range(hours.from, hours.to), { terms: { user_id: scope.entities } }], timing, 'ueba peer members');
    const touched = new Map<string, PeerBucket[]>();
    for await (const page of pages) {
      for (const b of page) {
        const k = `${b.key.hour}|${b.key.group}`;
        const members = touched.get(k);
        if (members) members.push(b);
        else touched.set(k, [b]);
      }
    }
    for (const members of touched.values()) {
      const { hour, group } = members[0]!.key;
      const key = `${hour}|${group}`;
      const last = peerGroups.get(key);
      if (last && Date.now() - last.at < PEER_RESCORE_MS) {
        const baselines = await peerBaselines(ctx, members, timing);
        yield* scoreGroup(calendar, members, baselines, rule, last.statistics);
        scope.recheck?.(hour, group, members[0]!.key.entity, last.at + PEER_RESCORE_MS);
        continue;
      }
      const whole: PeerBucket[] = [];
      for await (const page of groupPages(ctx, [...filter, range(hour, hour + HOUR_MS), { term: { user_department: group } }], timing)) whole.push(...page);
      const statistics = { requests: peerStatistics(whole.map((m) => m.doc_count)), tokens_out: peerStatistics(whole.map((m) => m.tokens_out.value ?? 0)) };
      peerGroups.set(key, { at: Date.now(), statistics });
      yield* scoreGroup(calendar, whole, await peerBaselines(ctx, whole, timing), rule, statistics);
    }
    return;
  }

  // retro-hunt: every (hour, department) in turn, each arriving contiguously
  const pages = groupPages(ctx, [...filter, range(hours.from, hours.to)], timing);
  let group: PeerBucket[] = [];
  let baselines = new Map<string, BaselineDocument>();
  for await (const page of pages) {
    // keep only the baselines of the group still open across the page boundary
    const open = new Set(group.map((m) => m.key.entity));
    baselines = new Map([...baselines].filter(([id]) => open.has(id)));
    const missing = [...new Set(page.map((b) => b.key.entity))].filter((id) => !baselines.has(id));
    if (await ctx.baselines.hasAny('user')) for (const [id, doc] of await ctx.baselines.getMany('user', missing, timing, SCORING_READ)) baselines.set(id, doc);
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

/** Every anomaly the given UEBA rules find in [from, to). Memory: one composite page and its baselines. */
export async function* evaluateUebaRules(ctx: UebaEvaluationContext, scope: UebaScope, rules: UebaRuleRun[]): AsyncGenerator<AnomalyCandidate> {
  const timing = ctx.timing ?? new EsTiming();
  const calendar = new HourOfWeekCalendar(ctx.timeZone);
  const hours = hoursCovering(calendar, scope.from, scope.to);

  const hourly = rules.filter((r) => HOURLY.includes(r.anomaly));
  const kinds = new Set(hourly.flatMap((r) => r.params.entity_kinds));
  for (const kind of kinds) {
    const forKind = hourly.filter((r) => r.params.entity_kinds.includes(kind));
    yield* hourlyCandidates(ctx, calendar, kind, hours, scope, forKind, timing);
  }
  for (const rule of rules.filter((r) => FIRST_SEEN_FIELD[r.anomaly])) {
    for (const kind of rule.params.entity_kinds) yield* firstSeenCandidates(ctx, calendar, kind, scope, rule, timing);
  }
  for (const rule of rules.filter((r) => r.anomaly === 'peer_outlier')) yield* peerCandidates(ctx, calendar, hours, scope, rule, timing);
}
