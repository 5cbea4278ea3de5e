/**
 * Turns the aggregation answers about one entity into its baseline document. Pure: no I/O.
 *
 * Per-event statistics (tokens, cost) arrive computed by Elasticsearch. Per-hour and per-session
 * statistics are computed here, with simple-statistics, from one bucket per active hour or session —
 * at most 24 × window-days values per entity however many events there are.
 */
import { max, mean, median, medianAbsoluteDeviation, min, quantileSorted, standardDeviation } from 'simple-statistics';
import {
  fieldDistribution,
  seenValues,
  type HourBucket,
  type SessionBucket,
  type SummaryBucket,
  type TimeWindow,
} from './baseline-aggregations.js';
import type { BaselineDocument, Distribution } from './baseline-document.js';
import type { EntityKind } from './entities.js';
import { DAY_MS, HOURS_PER_WEEK, type WindowHours } from './hour-of-week.js';

/** Scale that turns a MAD into a standard-deviation estimate for normally distributed data. */
export const MAD_TO_SD = 1.4826;

/** Summary of values computed in the service (per-hour or per-session values of one entity). */
export function distributionOf(values: number[]): Distribution {
  if (values.length === 0) return { count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: values.length,
    mean: mean(values),
    sd: standardDeviation(values),
    min: min(values),
    max: max(values),
    median: median(sorted),
    mad: medianAbsoluteDeviation(values),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
  };
}

/**
 * Dispersion α of hourly request counts: the squared coefficient of variation of the hourly rate (Var = μ + αμ²),
 * read from the upper tail, where a volume spike and its false alarms live. A rate that varies log-normally puts p95
 * at median·exp(1.645·√(σ² + ln(1 + 1/μ))) (ln(1 + 1/μ): the Poisson noise of a count on the log scale), so
 * σ² = (ln(p95/median)/1.645)² − ln(1 + 1/μ) and α = exp(σ²) − 1. Median and p95: one burst hour in the window moves
 * neither much, so a spike in the baseline window does not make the next spike look normal. (The MAD of a few
 * requests an hour is too coarse to read a spread from — 1 or 2 — and a wide centre does not make a busy hour
 * ordinary.)
 */
export function robustDispersion(counts: Distribution): number {
  const m = counts.median ?? 0;
  const p95 = counts.p95 ?? 0;
  if (m <= 0 || p95 <= m) return 0;
  const logSpread = Math.log(p95 / m) / 1.645;
  const logVariance = logSpread * logSpread - Math.log1p(1 / m);
  return logVariance > 0 ? Math.min(10, Math.expm1(logVariance)) : 0;
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

export interface BaselineInputs {
  kind: EntityKind;
  id: string;
  window: TimeWindow;
  computedAt: Date;
  hours: WindowHours;
  summary: SummaryBucket;
  hourBuckets: HourBucket[];
  /** undefined for kinds whose sessions are not profiled (models and endpoints: unbounded session counts) */
  sessionBuckets?: SessionBucket[];
  /** first_seen of the stored baseline, so that history survives a sliding window */
  previousFirstSeen?: string;
}

export function buildBaselineDocument(input: BaselineInputs): BaselineDocument {
  const { summary, hours } = input;
  const windowFirst = summary.first_seen.value ?? input.window.from.getTime();
  const firstSeen = Math.min(windowFirst, input.previousFirstSeen ? Date.parse(input.previousFirstSeen) : Infinity);
  const lastSeen = summary.last_seen.value ?? windowFirst;
  const windowEnd = input.window.to.getTime();

  // hour-of-week profile: slots occur from the entity's first hour in the window on
  const since = Math.max(input.window.from.getTime(), hours.calendar.floorToHour(firstSeen));
  const occurrences = hours.occurrencesSince(since);
  const total = new Array<number>(HOURS_PER_WEEK).fill(0);
  const perSlot: number[][] = Array.from({ length: HOURS_PER_WEEK }, () => []);
  const hourOfDay = new Array<number>(24).fill(0);
  const activeDays = new Set<number>();
  const counts: number[] = [];
  const costs: number[] = [];
  const tokensOut: number[] = [];
  for (const bucket of input.hourBuckets) {
    const slot = hours.slotOfBucket(bucket.key.hour);
    total[slot]! += bucket.doc_count;
    perSlot[slot]!.push(bucket.doc_count);
    hourOfDay[slot % 24]!++;
    activeDays.add(Math.floor((bucket.key.hour + hours.calendar.offsetAt(bucket.key.hour)) / DAY_MS));
    counts.push(bucket.doc_count);
    costs.push(bucket.cost.value ?? 0);
    tokensOut.push(bucket.tokens_out.value ?? 0);
  }
  const slotMedian = perSlot.map((values, slot) => {
    const occurred = Math.max(occurrences[slot]!, values.length);
    if (occurred === 0) return 0;
    const padded = values.concat(new Array<number>(occurred - values.length).fill(0));
    return median(padded);
  });

  const requestsPerActiveHour = distributionOf(counts);
  const costDistribution = fieldDistribution(summary.requests, 'cost_usd');
  const tokensOutDistribution = fieldDistribution(summary.requests, 'tokens_out');

  const sessions = input.sessionBuckets?.map((s) => Math.max(s.reported.value ?? 0, s.summed.value ?? 0)) ?? [];
  const departments = seenValues(summary.departments);
  const distinct = (agg: { value: number | null }) => agg.value ?? 0;

  const document: BaselineDocument = {
    '@timestamp': input.computedAt.toISOString(),
    entity_kind: input.kind,
    entity_id: input.id,
    window_start: input.window.from.toISOString(),
    window_end: input.window.to.toISOString(),
    time_zone: hours.calendar.timeZone,
    first_seen: new Date(firstSeen).toISOString(),
    last_seen: new Date(lastSeen).toISOString(),
    history_days: round4(Math.max(0, windowEnd - firstSeen) / DAY_MS),
    event_count: summary.doc_count,
    request_count: summary.requests.doc_count,
    active_hours: counts.length,
    active_days: activeDays.size,
    session_count: input.sessionBuckets ? input.sessionBuckets.length : distinct(summary.sessions_distinct),
    countries: summary.countries.buckets.map((b) => String(b.key)),
    models: summary.models.buckets.map((b) => String(b.key)),
    endpoints: summary.endpoints.buckets.map((b) => String(b.key)),
    tools: summary.tools.buckets.map((b) => String(b.key)),
    requests_per_active_hour: requestsPerActiveHour,
    hourly_cost_usd: costDistribution.count > 0 ? distributionOf(costs) : { count: 0 },
    hourly_tokens_out: tokensOutDistribution.count > 0 ? distributionOf(tokensOut) : { count: 0 },
    tokens_in: fieldDistribution(summary.requests, 'tokens_in'),
    tokens_out: tokensOutDistribution,
    cost_usd: costDistribution,
    session_cost_usd: distributionOf(sessions),
    volume_dispersion: round4(robustDispersion(requestsPerActiveHour)),
    profile: {
      hour_of_week: {
        total,
        occurrences: occurrences.map((o, slot) => Math.max(o, perSlot[slot]!.length)),
        mean: total.map((t, slot) => (occurrences[slot]! > 0 ? round4(t / Math.max(occurrences[slot]!, perSlot[slot]!.length)) : 0)),
        median: slotMedian,
      },
      hour_of_day_active_hours: hourOfDay,
      categories: seenValues(summary.categories),
      countries: seenValues(summary.countries),
      models: seenValues(summary.models),
      endpoints: seenValues(summary.endpoints),
      tools: seenValues(summary.tools),
      departments,
      users: input.kind === 'user' ? [] : seenValues(summary.users),
      distinct: {
        countries: distinct(summary.countries_distinct),
        models: distinct(summary.models_distinct),
        endpoints: distinct(summary.endpoints_distinct),
        tools: distinct(summary.tools_distinct),
        users: input.kind === 'user' ? 1 : distinct(summary.users_distinct),
      },
    },
  };
  const department = departments[0]?.value;
  if (department !== undefined) {
    document.department = department;
    if (input.kind === 'user') document.peer_group = `department:${department}`;
  }
  return document;
}
