/**
 * The product's volume-anomaly scorer run over one NAB series, as the streaming engine would run it over one
 * entity: every value is read as that many requests at its timestamp (negative values as none); the baseline in
 * force during a local hour is the one a refresh at the start of that hour builds — buildBaselineDocument over the
 * trailing `windowDays` of whole hours before it, the series' first timestamp kept as first_seen like a sliding
 * refresh keeps it — and each record is scored as streaming scores the open hour: the hour's requests so far
 * (scoreVolumeSpike, the code of the `ueba_volume_spike` rule). No record sees anything after itself. Records are
 * read in file order; one NAB file steps back an hour once (machine_temperature_system_failure): such late records
 * join their past hour's bucket, as late events do, and score 0.
 *
 * NAB wants one anomaly score per record in [0, 1]: the candidate's score / 100 (`rank: 'probability'`: a fixed
 * monotone map of its uncapped log10 tail probability), 0 when the scorer returns none.
 * With `alerts: 'episode'` a record carries its score only when it raises the hour's highest score so far: the
 * product keeps one alert per entity and hour (its dedup key), and later records of the hour update that alert
 * instead of raising another. `alerts: 'merged'` adds the alert writer's merge of consecutive anomalous hours: an
 * hour that follows an hour with a candidate continues that alert and scores 0.
 */
import type { UebaParams } from '../../analytics-service/src/ueba/anomaly.js';
import { scoreVolumeSpike, type ScoredHour } from '../../analytics-service/src/ueba/anomaly-scoring.js';
import type { HourBucket, SummaryBucket } from '../../analytics-service/src/ueba/baseline-aggregations.js';
import { buildBaselineDocument } from '../../analytics-service/src/ueba/baseline-builder.js';
import type { BaselineDocument } from '../../analytics-service/src/ueba/baseline-document.js';
import { DAY_MS, HOUR_MS, HourOfWeekCalendar, WindowHours } from '../../analytics-service/src/ueba/hour-of-week.js';
import type { NabSeries } from './nab-files.js';

export type AlertMode = 'episode' | 'merged' | 'record';
/** What NAB's anomaly score is read from: the candidate's score (capped at 100) or its uncapped tail probability. */
export type RankMode = 'score' | 'probability';

/**
 * NAB's anomaly score from the candidate's uncapped log10 tail probability: L / (L + 10) with L = −log10 p — a fixed
 * monotone map into [0, 1), the same for every file (p = 10⁻¹⁰, the display score's cap, is 0.5).
 */
export function probabilityRank(log10Probability: number): number {
  const surprise = Math.max(0, -log10Probability);
  return surprise / (surprise + 10);
}

export interface DetectorOptions {
  params: UebaParams;
  /** the baseline window of the scheduled refresh (AISEC_UEBA_WINDOW_DAYS, 28 by default) */
  windowDays: number;
  alerts: AlertMode;
  /** 'score' (default): candidate score / 100; 'probability': probabilityRank of its uncapped log10 p */
  rank?: RankMode;
  /**
   * 'hour' (default, the product): the clock hour's requests so far. 'sliding' — an experiment, not the product: the
   * last 60 minutes' requests, against the same hourly baseline; an episode is a run of candidates less than an hour
   * apart, and only its first hour's new highs count (as with 'merged' alerts).
   */
  window?: 'hour' | 'sliding';
  timeZone?: string;
}

const none = { value: null };
const noTerms = { buckets: [] };

/** The summary aggregation's answer for an entity whose events carry only a timestamp (no tokens, cost, countries…). */
function summaryOf(id: string, requests: number, firstSeen: number, lastSeen: number): SummaryBucket {
  return {
    key: id,
    doc_count: requests,
    first_seen: { value: firstSeen },
    last_seen: { value: lastSeen },
    categories: noTerms,
    countries: noTerms,
    models: noTerms,
    endpoints: noTerms,
    tools: noTerms,
    departments: noTerms,
    users: noTerms,
    countries_distinct: none,
    models_distinct: none,
    endpoints_distinct: none,
    tools_distinct: none,
    users_distinct: none,
    sessions_distinct: none,
    requests: { doc_count: requests },
  };
}

interface ClosedHour {
  start: number;
  requests: number;
  firstAt: number;
  lastAt: number;
}

export function scoreSeries(series: NabSeries, options: DetectorOptions): number[] {
  const calendar = new HourOfWeekCalendar(options.timeZone ?? 'UTC');
  const windowMs = options.windowDays * DAY_MS;
  const id = series.relativePath;
  const seriesStart = series.times[0]!;
  const closed: ClosedHour[] = [];
  let oldest = 0; // first closed hour inside the current baseline window
  let baseline: BaselineDocument | undefined;
  let open: ClosedHour | undefined;
  let best = 0;
  let lastAlertHour = -Infinity; // start of the last hour with a candidate (alerts: 'merged')
  let merging = false; // the open hour continues the previous hour's alert
  const recent: Array<{ time: number; requests: number }> = []; // window: 'sliding'
  let recentSum = 0;
  let episodeStart = -Infinity;
  let lastCandidate = -Infinity;

  const refresh = (hourStart: number) => {
    const from = hourStart - windowMs;
    while (oldest < closed.length && closed[oldest]!.start < from) oldest++;
    const inWindow = closed.slice(oldest);
    // an entity without events in the window is not refreshed: its stored baseline stays
    if (inWindow.length === 0) return;
    const buckets: HourBucket[] = inWindow.map((h) => ({ key: { entity: id, hour: h.start }, doc_count: h.requests, cost: none, tokens_out: none }));
    const requests = inWindow.reduce((sum, h) => sum + h.requests, 0);
    const window = { from: new Date(from), to: new Date(hourStart) };
    baseline = buildBaselineDocument({
      kind: 'endpoint',
      id,
      window,
      computedAt: window.to,
      hours: new WindowHours(calendar, from, hourStart),
      summary: summaryOf(id, requests, inWindow[0]!.firstAt, inWindow[inWindow.length - 1]!.lastAt),
      hourBuckets: buckets,
      previousFirstSeen: new Date(seriesStart).toISOString(),
    });
  };

  const late = (hourStart: number, requests: number) => {
    let at = closed.length;
    while (at > 0 && closed[at - 1]!.start > hourStart) at--;
    const existing = closed[at - 1];
    if (existing && existing.start === hourStart) existing.requests += requests;
    else if (requests > 0) closed.splice(at, 0, { start: hourStart, requests, firstAt: hourStart, lastAt: hourStart });
  };

  return series.times.map((time, i) => {
    const hourStart = calendar.floorToHour(time);
    if (open && hourStart < open.start) {
      late(hourStart, Math.max(0, series.values[i]!));
      return 0;
    }
    if (!open || open.start !== hourStart) {
      // Elasticsearch has a bucket only for an hour with at least one request
      if (open && open.requests > 0) closed.push(open);
      open = { start: hourStart, requests: 0, firstAt: time, lastAt: time };
      best = 0;
      merging = lastAlertHour === hourStart - HOUR_MS;
      refresh(hourStart);
    }
    const requests = Math.max(0, series.values[i]!);
    if (requests > 0) {
      if (open.requests === 0) open.firstAt = time;
      open.requests += requests;
      open.lastAt = time;
    }
    const sliding = options.window === 'sliding';
    if (sliding) {
      recent.push({ time, requests });
      recentSum += requests;
      while (recent[0]!.time <= time - HOUR_MS) recentSum -= recent.shift()!.requests;
    }
    const observed = sliding ? recentSum : open.requests;
    if (!baseline || observed === 0) return 0;
    const hour: ScoredHour = { kind: 'endpoint', id, start: hourStart, end: hourStart + HOUR_MS, slot: calendar.slotOf(hourStart) };
    const found = scoreVolumeSpike(baseline, hour, observed, options.params);
    if (!found) return 0;
    const score = options.rank === 'probability' ? probabilityRank(found.log10_probability) : found.score / 100;
    if (options.alerts === 'record') return score;
    if (sliding) {
      if (time - lastCandidate >= HOUR_MS) {
        episodeStart = time;
        best = 0;
      }
      lastCandidate = time;
      if (time - episodeStart >= HOUR_MS || score <= best) return 0;
      best = score;
      return score;
    }
    if (options.alerts === 'merged') {
      // consecutive anomalous hours of an entity are one alert (the alert writer merges them): the hour that
      // continues the previous hour's alert updates it and raises nothing new
      lastAlertHour = hourStart;
      if (merging) return 0;
    }
    if (score <= best) return 0;
    best = score;
    return score;
  });
}
