/**
 * ueba_peer_outlier scoring: one user against the active members of their department in the same hour. Pure; the
 * shared pieces (candidate, wording) come from anomaly-candidate.ts; anomaly-scoring.ts re-exports everything here.
 */
import type { AnomalyCandidate, UebaParams } from './anomaly.js';
import { candidate, formatNumber, LOG10, oneIn, type ScoredHour } from './anomaly-candidate.js';
import { slotLabel } from './hour-of-week.js';
import type { BaselineDocument } from './baseline-document.js';
import { MAD_TO_SD } from './baseline-builder.js';
import { logNormalUpperTail, scoreFromLogProbability } from './tail-probabilities.js';

/**
 * Active hours a member's baseline needs before the peer rule's own-baseline guard uses it: half a working day. A
 * guard only ever removes alerts, so it needs far less history than a score does — a heavy user's first few hours
 * already say they are a heavy user, and at the edges of the data (a new deployment, a new user's first days) the
 * guard is what keeps them from being everyone's outlier.
 */
export const PEER_GUARD_MIN_ACTIVE_HOURS = 4;

/**
 * A member's own typical value per active hour, for the peer rule's guard "as high as usual for this person": from
 * a baseline of `PEER_GUARD_MIN_ACTIVE_HOURS` active hours (or the rule's `min_active_hours`, if lower), whatever
 * its days.
 */
export function peerOwnTypical(baseline: BaselineDocument | undefined, feature: 'requests' | 'tokens_out', params: UebaParams): number | undefined {
  if (!baseline || baseline.active_hours < Math.min(params.min_active_hours, PEER_GUARD_MIN_ACTIVE_HOURS)) return undefined;
  return feature === 'requests' ? baseline.requests_per_active_hour.median : baseline.hourly_tokens_out.median;
}

export interface PeerValue {
  id: string;
  value: number;
  requests: number;
  /** the member's own typical value per active hour, when it has a baseline with enough history */
  ownTypical?: number;
}

/** Smallest spread of log(1 + value) among peers: a factor of about 1.3, so identical peers do not make everyone an outlier. */
export const MIN_LOG_SPREAD = 0.25;

/**
 * ueba_peer_outlier: one user against the active members of their peer group (department) in the same hour —
 * population analysis that needs no history of the user, so it covers new users too. Peers share the hour, so
 * Monday rushes and quiet weekends cancel out. Per-user volumes are heavy-tailed, so the comparison is made on
 * log(1 + value) with the median and MAD of the peers, and the tail probability is multiplied by the number of
 * peers (the chance that *any* member of a group that size would stand out this far). A user whose own baseline
 * is as high, or who is within `min_ratio` of their own usual, is not an outlier; nor is one only a few requests (`min_excess`) above the median, nor a token outlier
 * on fewer than `min_requests` requests.
 */
/** What a peer group looks like in one hour: the median, and the median and spread of log(1 + value). */
export interface PeerStatistics {
  count: number;
  median: number;
  logMedian: number;
  logSpread: number;
}

const middle = (sorted: number[]) => {
  const n = sorted.length;
  return n === 0 ? 0 : n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
};
const ascending = (values: number[]) => [...values].sort((a, b) => a - b);

export function peerStatistics(values: number[]): PeerStatistics {
  const logs = ascending(values.map((v) => Math.log1p(v)));
  const logMedian = middle(logs);
  return {
    count: values.length,
    median: middle(ascending(values)),
    logMedian,
    logSpread: Math.max(MAD_TO_SD * middle(ascending(logs.map((v) => Math.abs(v - logMedian)))), MIN_LOG_SPREAD),
  };
}

/**
 * Scores `members` against their peer group; the group's statistics are computed from the members themselves
 * unless given (streaming scores only the users with new events, against statistics of the whole group).
 */
export function scorePeerOutliers(
  group: string,
  feature: 'requests' | 'tokens_out',
  hour: Omit<ScoredHour, 'id' | 'kind'>,
  members: PeerValue[],
  params: UebaParams,
  statistics: PeerStatistics = peerStatistics(members.map((m) => m.value)),
): AnomalyCandidate[] {
  if (statistics.count < params.min_peers) return [];
  const { median: peerMedian, logMedian, logSpread } = statistics;
  const out: AnomalyCandidate[] = [];
  for (const member of members) {
    if (member.value < params.min_ratio * Math.max(peerMedian, 1)) continue;
    // practical significance: a handful of requests more than the median is no outlier, however quiet the peers
    // (the first hour of a workday, when colleagues have just started); output tokens count only on enough requests
    if (feature === 'requests' ? member.value - peerMedian < params.min_excess : member.requests < params.min_requests) continue;
    // the person's own baseline: someone always this far above their peers, or this hour within `min_ratio` of their
    // own usual, is being themselves (a heavy user at the edge of the day, when colleagues have not started yet)
    if (member.ownTypical !== undefined && (member.ownTypical >= params.min_ratio * Math.max(peerMedian, 1) || member.value < params.min_ratio * member.ownTypical)) continue;
    const z = (Math.log1p(member.value) - logMedian) / logSpread;
    const logP = Math.min(0, logNormalUpperTail(z) + Math.log(statistics.count));
    const score = scoreFromLogProbability(logP);
    if (score < params.min_score) continue;
    // the spread in the feature's unit: one log-spread around the median
    const spread = Math.expm1(logMedian + logSpread) - Math.expm1(logMedian);
    const scored: ScoredHour = { ...hour, kind: 'user', id: member.id };
    const found = candidate('peer_outlier', scored, undefined, {
      feature: `${feature}_per_hour`,
      observed: member.value,
      expected: peerMedian,
      spread,
      score,
      log10_probability: logP / LOG10,
      event_count: member.requests,
      episode: `${new Date(hour.start).toISOString()}:${feature}`,
      extra_fields: { user_department: group },
      explanation:
        `${formatNumber(member.value)} ${feature === 'requests' ? 'requests' : 'output tokens'} in the hour from ${slotLabel(hour.slot)}, ` +
        `${formatNumber(member.value / Math.max(peerMedian, 1))}× the median ${formatNumber(peerMedian)} of the ${statistics.count} active members of ` +
        `department "${group}" in that hour (log-scale z = ${formatNumber(z)}); chance that any of them stands out this far ${oneIn(logP)}.`,
    });
    // the population of the same hour is the baseline
    found.baseline_window = { start: found.window_start, end: found.window_end };
    out.push(found);
  }
  return out;
}
