/**
 * What UEBA scoring produces: an explainable anomaly candidate. The detection engine turns a candidate into
 * an alert of rule type `ueba_*`; everything an analyst needs to judge it travels with it.
 */
import type { EntityKind } from './entities.js';

/** The kinds of anomaly UEBA scores; the catalogue has one rule per kind, `ueba_<anomaly>`. */
export const UEBA_ANOMALIES = [
  'volume_spike',
  'token_shift',
  'cost_spike',
  'new_country',
  'new_model_for_user',
  'off_profile_hours',
  'peer_outlier',
] as const;
export type UebaAnomaly = (typeof UEBA_ANOMALIES)[number];

export const UEBA_RULE_IDS = UEBA_ANOMALIES.map((a) => `ueba_${a}` as const);
export type UebaRuleId = (typeof UEBA_RULE_IDS)[number];

export interface AnomalyCandidate {
  /** the rule that found it (`ueba_<anomaly>` unless a rule file defines another) */
  rule_id: string;
  anomaly: UebaAnomaly;
  entity_kind: EntityKind;
  entity_id: string;
  /** when the anomalous behaviour happened: the start of the scored hour, or the first event with a new value */
  timestamp: string;
  /** the interval whose behaviour was scored (one local hour for volume, token, cost, hours and peer rules) */
  window_start: string;
  window_end: string;
  /** what was measured, e.g. `requests_per_hour`, `tokens_out_median`, `src_country` */
  feature: string;
  observed: number;
  expected: number;
  /** the standard deviation the score used, in the feature's unit (0 for first-seen features) */
  spread: number;
  /** 0–100: ten points per decimal order of magnitude of the tail probability (see tail-probabilities.ts) */
  score: number;
  /** the tail probability behind the score (as log10, so that 1e-80 survives JSON) */
  log10_probability: number;
  /** the categorical value for first-seen rules (the new country or model) */
  observed_value?: string;
  /** values the baseline knew, for first-seen rules */
  expected_values?: string[];
  baseline_window: { start: string; end: string };
  explanation: string;
  /** what makes this anomaly distinct for its entity: the scored hour (and feature), or the new value */
  episode: string;
  /** deterministic `<rule>:<kind>:<entity>:<episode>`: the same anomaly found again has the same key */
  dedup_key: string;
  /** event fields that identify the entity and context, copied onto the alert (user_id, model, …) */
  fields: Record<string, string>;
  event_count: number;
}

/** Thresholds of every UEBA rule; a rule file's `params` override them. */
export interface UebaParams {
  /** entities need at least this many days between first_seen and the baseline's end */
  min_history_days: number;
  /** … and at least this many active hours in the baseline */
  min_active_hours: number;
  /** candidates below this score are dropped */
  min_score: number;
  /** observed must be at least this multiple of expected (practical, not just statistical, significance) */
  min_ratio: number;
  /** volume: observed − expected must reach this many requests */
  min_excess: number;
  /** token shift / off-hours: requests needed in the scored hour */
  min_requests: number;
  /** token shift: requests the baseline distribution must rest on */
  min_baseline_requests: number;
  /** first-seen: events and days of history before the window */
  min_history_events: number;
  /** first-seen: how far back "seen before" looks, in days */
  lookback_days: number;
  /** off-hours: largest smoothed share of active hours at that hour of day that still counts as off-profile */
  max_hour_share: number;
  /** peer outlier: active peers needed in the group and hour */
  min_peers: number;
  /** which entity kinds the rule scores */
  entity_kinds: EntityKind[];
}

export const DEFAULT_PARAMS: Record<UebaAnomaly, UebaParams> = (() => {
  const base: UebaParams = {
    min_history_days: 14,
    min_active_hours: 20,
    min_score: 60,
    min_ratio: 3,
    min_excess: 10,
    min_requests: 5,
    min_baseline_requests: 100,
    min_history_events: 50,
    lookback_days: 30,
    max_hour_share: 0.01,
    min_peers: 5,
    entity_kinds: ['user'],
  };
  return {
    volume_spike: { ...base, entity_kinds: ['user', 'agent', 'model', 'endpoint'] },
    token_shift: { ...base, min_history_days: 7, min_ratio: 1.5, entity_kinds: ['user', 'agent'] },
    cost_spike: { ...base, min_ratio: 5, entity_kinds: ['user', 'agent'] },
    // first-seen: meeting any new value must have been unlikely for this entity (Good–Turing, about 1 in 300 or less:
    // an entity that has made some 300 requests in the look-back without trying anything new). A model is a choice
    // people explore: a rarely used one (1 request in 100) can take weeks to show up in someone's history, so a new
    // model needs two weeks of it; a new country keeps one week (a takeover early in the data still alerts).
    new_country: { ...base, min_history_days: 7, min_score: 25 },
    new_model_for_user: { ...base, min_history_days: 14, min_score: 25 },
    off_profile_hours: { ...base, min_active_hours: 40, min_requests: 10, min_score: 0 },
    peer_outlier: { ...base, min_ratio: 5 },
  };
})();

export function paramsFor(anomaly: UebaAnomaly, overrides: Partial<UebaParams> = {}): UebaParams {
  return { ...DEFAULT_PARAMS[anomaly], ...overrides };
}

/** The candidate as found by another rule id (a rule file may score an anomaly kind under its own id). */
export function asRule(candidate: AnomalyCandidate, ruleId: string): AnomalyCandidate {
  if (candidate.rule_id === ruleId) return candidate;
  return { ...candidate, rule_id: ruleId, dedup_key: `${ruleId}:${candidate.entity_kind}:${candidate.entity_id}:${candidate.episode}` };
}
