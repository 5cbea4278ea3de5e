/**
 * What UEBA window scoring is given: the Elasticsearch reader's context with the baselines, the rules to run, and
 * the scope (time range, entities, streaming memory). Shared by the hourly, first-seen and peer evaluations.
 */
import type { estypes } from '../elasticsearch/dsl.js';
import type { BaselineStore } from '../elasticsearch/baseline-store.js';
import type { EsTiming } from '../elasticsearch/composite-pager.js';
import type { UebaReadContext } from '../elasticsearch/ueba-scoring-reader.js';
import type { UebaAnomaly, UebaParams } from './anomaly.js';
import { HOUR_MS, type HourOfWeekCalendar } from './hour-of-week.js';

export interface UebaEvaluationContext extends UebaReadContext {
  baselines: BaselineStore;
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
  /** streaming only: what scoring remembers between polls (the engine's, forgotten when a replica takes over) */
  memory?: Map<string, unknown>;
  /** streaming only: asks for a user's department-hour to be scored as a whole at `at` (see peer-evaluation.ts) */
  recheck?: (hour: number, group: string, user: string, at: number) => void;
  /** streaming only: the new events of `entities` that led to this scoring (peer-evaluation.ts reads their groups off them) */
  events?: Array<Record<string, unknown>>;
  /** streaming only: `events` are exactly the new events of `entities` that `filter` matches (the peer rule then tallies them) */
  countable?: boolean;
}

/** Baselines change once per refresh: scoring may reuse what it read in the last minute. */
export const SCORING_READ = { maxAgeMs: 60_000 };

export const HOURLY: UebaAnomaly[] = ['volume_spike', 'token_shift', 'cost_spike', 'off_profile_hours'];
export const FIRST_SEEN_FIELD: Partial<Record<UebaAnomaly, 'src_country' | 'model'>> = { new_country: 'src_country', new_model_for_user: 'model' };

/** The local hours that overlap [from, to). */
export function hoursCovering(calendar: HourOfWeekCalendar, from: number, to: number): { from: number; to: number } {
  return { from: calendar.floorToHour(from), to: calendar.floorToHour(to - 1) + HOUR_MS };
}
