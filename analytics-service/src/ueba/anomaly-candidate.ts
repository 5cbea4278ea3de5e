/**
 * What every UEBA scorer shares: the scored hour, the candidate it returns, and the wording of numbers and
 * probabilities in explanations. Pure.
 */
import type { AnomalyCandidate, UebaAnomaly } from './anomaly.js';
import type { BaselineDocument } from './baseline-document.js';
import { ENTITY_FIELD, type EntityKind } from './entities.js';

/** The entity and local hour being scored. */
export interface ScoredHour {
  kind: EntityKind;
  id: string;
  start: number;
  end: number;
  /** hour-of-week slot of `start` in the baseline's time zone */
  slot: number;
}

export const LOG10 = Math.LN10;

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 1) return value.toFixed(2).replace(/\.?0+$/, '');
  return value.toPrecision(3).replace(/\.?0+$/, '');
}

export function oneIn(logProbability: number): string {
  const orders = -logProbability / LOG10;
  if (orders < 3) return `1 in ${formatNumber(Math.exp(-logProbability))}`;
  // beyond 10^15 the model's own tails, not the data, decide the digits: say only that it is beyond
  return orders > 15 ? 'below 1 in 10^15' : `about 1 in 10^${Math.floor(orders)}`;
}

export function candidate(
  anomaly: UebaAnomaly,
  hour: ScoredHour,
  baseline: BaselineDocument | undefined,
  fields: Omit<
    AnomalyCandidate,
    'rule_id' | 'anomaly' | 'entity_kind' | 'entity_id' | 'window_start' | 'window_end' | 'baseline_window' | 'fields' | 'timestamp' | 'episode' | 'dedup_key'
  > & {
    timestamp?: string;
    episode?: string;
    extra_fields?: Record<string, string>;
  },
): AnomalyCandidate {
  const { episode, extra_fields, timestamp, ...rest } = fields;
  const start = new Date(hour.start).toISOString();
  const ruleId = `ueba_${anomaly}`;
  const distinct = episode ?? start;
  return {
    rule_id: ruleId,
    anomaly,
    entity_kind: hour.kind,
    entity_id: hour.id,
    timestamp: timestamp ?? start,
    window_start: start,
    window_end: new Date(hour.end).toISOString(),
    baseline_window: { start: baseline?.window_start ?? '', end: baseline?.window_end ?? '' },
    episode: distinct,
    dedup_key: `${ruleId}:${hour.kind}:${hour.id}:${distinct}`,
    fields: { [ENTITY_FIELD[hour.kind]]: hour.id, ...extra_fields },
    ...rest,
  };
}
