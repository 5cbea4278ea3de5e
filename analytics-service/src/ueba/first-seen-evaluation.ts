/**
 * ueba_new_country / ueba_new_model_for_user over a time range: every (entity, value) pair met in the range, the
 * entity's history before the range, and the Good–Turing score of anomaly-scoring.ts.
 *
 * Streaming keeps, in its own memory (the engine's, forgotten when a replica takes over), the last time it saw each
 * pair, so a user working as usual costs Elasticsearch nothing batch after batch. A retro-hunt has no such memory and
 * reads everything from Elasticsearch: its answer never depends on what another mode of this process saw.
 */
import { earliestStoredEvent, valueHistories, valueOccurrencePages, type FirstBucket } from '../elasticsearch/ueba-scoring-reader.js';
import type { EsTiming } from '../elasticsearch/composite-pager.js';
import { asRule, type AnomalyCandidate, type UebaParams } from './anomaly.js';
import { scoreFirstSeen, type ScoredHour, type ValueHistory } from './anomaly-scoring.js';
import type { BaselineDocument } from './baseline-document.js';
import { ENTITY_FIELD, type EntityKind } from './entities.js';
import { HOUR_MS, type HourOfWeekCalendar } from './hour-of-week.js';
import { ms } from '../time/event-time.js';
import { FIRST_SEEN_FIELD, SCORING_READ, type UebaEvaluationContext, type UebaRuleRun, type UebaScope } from './window-context.js';

const SEEN_PAIRS = 'ueba:seen-pairs';
const MAX_REMEMBERED = 200_000;

/** (field, entity, value) → the latest time streaming saw the entity with the value. */
type SeenPairs = Map<string, number>;

function seenPairs(memory: Map<string, unknown> | undefined): SeenPairs | undefined {
  if (!memory) return undefined;
  let pairs = memory.get(SEEN_PAIRS) as SeenPairs | undefined;
  if (!pairs || pairs.size > MAX_REMEMBERED) memory.set(SEEN_PAIRS, (pairs = new Map()));
  return pairs;
}
const pairKey = (field: string, entity: string, value: string) => `${field}\u0000${entity}\u0000${value}`;
function remember(pairs: SeenPairs | undefined, key: string, at: number): void {
  if (pairs) pairs.set(key, Math.max(at, pairs.get(key) ?? -Infinity));
}

/** Whether a stored baseline ending before `at` (and within the look-back) already lists the value. */
function baselineLists(baseline: BaselineDocument | undefined, valueField: 'src_country' | 'model', value: string, at: number, lookbackMs: number): boolean {
  if (!baseline || Date.parse(baseline.window_end) > at || Date.parse(baseline.window_start) < at - lookbackMs) return false;
  const seen = valueField === 'src_country' ? baseline.profile.countries : baseline.profile.models;
  return seen.some((v) => v.value === value);
}

/**
 * Of new events carrying `valueField`, those whose value may be new for their entity: not seen by an earlier
 * streaming evaluation within the look-back (`memory`), and not listed by a stored baseline that ends before the
 * event. Streaming calls this before any query. The rest then need their entity's history, unless no history can be
 * long enough yet: a value first met at t is scored only when the entity's history began min_history_days before t's
 * hour, which it cannot have if the earliest stored event is younger (one small read instead of the histories).
 */
export async function eventsWithUnseenValues<E extends Record<string, unknown>>(
  ctx: UebaEvaluationContext,
  kind: EntityKind,
  valueField: 'src_country' | 'model',
  params: Pick<UebaParams, 'lookback_days' | 'min_history_days'>,
  events: E[],
  memory?: Map<string, unknown>,
): Promise<E[]> {
  const field = ENTITY_FIELD[kind];
  const lookbackMs = params.lookback_days * 86_400_000;
  const pairs = seenPairs(memory);
  const open = events.filter((e) => {
    const seenAt = pairs?.get(pairKey(valueField, String(e[field]), String(e[valueField])));
    return !(seenAt !== undefined && seenAt < ms(e) && seenAt >= ms(e) - lookbackMs);
  });
  if (open.length === 0) return open;
  const earliest = await earliestStoredEvent(ctx);
  const historyMs = params.min_history_days * 86_400_000;
  const unlisted = earliest === undefined ? open : open.filter((e) => ms(e) - earliest >= historyMs);
  if (unlisted.length === 0 || !(await ctx.baselines.hasAny(kind))) return unlisted;
  const baselines = await ctx.baselines.getMany(kind, [...new Set(unlisted.map((e) => String(e[field])))], undefined, SCORING_READ);
  return unlisted.filter((e) => !baselineLists(baselines.get(String(e[field])), valueField, String(e[valueField]), ms(e), lookbackMs));
}

export async function* firstSeenCandidates(ctx: UebaEvaluationContext, calendar: HourOfWeekCalendar, kind: EntityKind, scope: UebaScope, rule: UebaRuleRun, timing: EsTiming): AsyncGenerator<AnomalyCandidate> {
  const field = ENTITY_FIELD[kind];
  const valueField = FIRST_SEEN_FIELD[rule.anomaly]!;
  const pairs = seenPairs(scope.memory);
  const lookbackMs = rule.params.lookback_days * 86_400_000;
  for await (const unfiltered of valueOccurrencePages(ctx, field, valueField, scope, timing)) {
    // a value the stored baseline lists was seen before the window, when the baseline ends before the window
    // starts (streaming, and hunts after a rebuild): only the other values need the history query
    const baselines = (await ctx.baselines.hasAny(kind)) ? await ctx.baselines.getMany(kind, [...new Set(unfiltered.map((b) => b.key.entity))], timing, SCORING_READ) : new Map<string, BaselineDocument>();
    const key = (b: FirstBucket) => pairKey(valueField, b.key.entity, b.key.value);
    const page = unfiltered.filter((bucket) => {
      const seenAt = pairs?.get(key(bucket));
      if (seenAt !== undefined && seenAt < scope.from && seenAt >= scope.from - lookbackMs) return false;
      return !baselineLists(baselines.get(bucket.key.entity), valueField, bucket.key.value, scope.from, lookbackMs);
    });
    for (const bucket of unfiltered) if (bucket.last.value !== null) remember(pairs, key(bucket), bucket.last.value);
    if (page.length === 0) continue;
    const read = await valueHistories(ctx, field, valueField, [...new Set(page.map((b) => b.key.entity))], scope.from - lookbackMs, scope.from, timing);
    const histories = new Map<string, ValueHistory>();
    for (const [entity, h] of read) {
      for (const v of h.values) if (v.last !== undefined) remember(pairs, pairKey(valueField, entity, v.value), v.last);
      histories.set(entity, { events: h.events, first_seen: h.first_seen ?? scope.from, values: h.values.map(({ value, count }) => ({ value, count })), distinct: h.distinct });
    }
    for (const bucket of page) {
      const firstAt = bucket.first.value ?? scope.from;
      const hourStart = calendar.floorToHour(firstAt);
      const hour: ScoredHour = { kind, id: bucket.key.entity, start: hourStart, end: hourStart + HOUR_MS, slot: calendar.slotOf(hourStart) };
      const anomaly = rule.anomaly as 'new_country' | 'new_model_for_user';
      const found = scoreFirstSeen(anomaly, valueField, hour, bucket.key.value, firstAt, bucket.doc_count, histories.get(bucket.key.entity), rule.params);
      if (found) yield asRule(found, rule.rule_id);
    }
  }
}
