/**
 * Test profile "weekly rhythms" for UEBA: users with a weekly rhythm (busy Mondays, ordinary weekdays, quiet
 * weekends, working hours), judges with stable or shifted score distributions — plus injected anomalies (volume
 * spike, token shift, new country, new model) through `burst` and request overrides.
 * Same seed, same events, same event ids.
 */
import { DAY_MS, HOUR_MS } from '../time.js';
import { costUsd, type TrafficEvent } from './events.js';
import { normal, poisson, seededRandom, weighted } from './random.js';


export interface UserRhythm {
  id: string;
  department: string;
  country: string;
  /** models with weights */
  models: Array<[string, number]>;
  endpoint: string;
  /** working hours [start, end) in UTC */
  hours: [number, number];
  /** requests per working hour on Mondays, other weekdays, and weekends (weekends: late morning only) */
  rate: { monday: number; weekday: number; weekend: number };
  tokensIn: number;
  tokensOut: number;
  agent?: string;
}

export const BASE_USER: Omit<UserRhythm, 'id'> = {
  department: 'finance',
  country: 'GB',
  models: [
    ['gpt-4o', 3],
    ['claude-sonnet-4-5', 1],
  ],
  endpoint: '/api/v1/chat',
  hours: [9, 18],
  rate: { monday: 14, weekday: 7, weekend: 1 },
  tokensIn: 400,
  tokensOut: 350,
};

/** Expected requests of a user in the hour starting at `t`. */
export function rateAt(user: UserRhythm, t: number): number {
  const date = new Date(t);
  const day = (date.getUTCDay() + 6) % 7; // Monday = 0
  const hour = date.getUTCHours();
  if (day >= 5) return hour >= 10 && hour < 13 ? user.rate.weekend : 0;
  if (hour < user.hours[0] || hour >= user.hours[1]) return 0;
  return day === 0 ? user.rate.monday : user.rate.weekday;
}


export interface RequestOverrides {
  tokensOutFactor?: number;
  country?: string;
  model?: string;
}

/** One request of a user at time t. */
export function requestEvent(user: UserRhythm, t: number, random: () => number, id: string, overrides: RequestOverrides = {}): TrafficEvent {
  const tokensIn = Math.max(10, Math.round(user.tokensIn * Math.exp(0.25 * normal(random))));
  const tokensOut = Math.max(10, Math.round(user.tokensOut * (overrides.tokensOutFactor ?? 1) * Math.exp(0.25 * normal(random))));
  const day = Math.floor(t / DAY_MS);
  const event: TrafficEvent = {
    event_id: id,
    timestamp: new Date(t).toISOString(),
    category: 'request',
    user_id: user.id,
    user_department: user.department,
    src_country: overrides.country ?? user.country,
    model: overrides.model ?? weighted(random, user.models),
    endpoint: user.endpoint,
    session_id: `${user.id}-s${day}-${Math.floor(new Date(t).getUTCHours() / 3)}`,
    tokens_in: tokensIn,
    tokens_out: tokensOut,
    cost_usd: costUsd(tokensIn, tokensOut),
    decision: 'allow',
  };
  if (user.agent) event.agent_id = user.agent;
  return event;
}

/** The user's ordinary traffic over [start, end), hour by hour. */
export function userTraffic(user: UserRhythm, start: number, end: number, seed: number): TrafficEvent[] {
  const random = seededRandom(seed);
  const events: TrafficEvent[] = [];
  for (let h = start; h < end; h += HOUR_MS) {
    const n = poisson(random, rateAt(user, h));
    for (let i = 0; i < n; i++) events.push(requestEvent(user, h + Math.floor(random() * HOUR_MS), random, `${user.id}-${h}-${i}`));
  }
  return events;
}

/** `count` requests of the user inside the hour starting at `hourStart`, with optional overrides. */
export function burst(user: UserRhythm, hourStart: number, count: number, seed: number, tag: string, overrides: RequestOverrides = {}): TrafficEvent[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) =>
    requestEvent(user, hourStart + Math.floor(((i + random()) / count) * HOUR_MS), random, `${user.id}-${tag}-${hourStart}-${i}`, overrides),
  );
}

/** `judge_flag` events of one judge model: `perDay` scores per day, mean `mean` (+ `shift` from day `shiftFrom` on). */
export function judgeTraffic(options: {
  model: string;
  start: number;
  days: number;
  perDay: number;
  mean: number;
  shift?: number;
  shiftFrom?: number;
  /** standard deviation of the scores from `spreadFrom` on (0.06 before) */
  spread?: number;
  spreadFrom?: number;
  seed: number;
  reviewed?: (day: number, i: number) => string | undefined;
}): TrafficEvent[] {
  const random = seededRandom(options.seed);
  const events: TrafficEvent[] = [];
  for (let d = 0; d < options.days; d++) {
    const mean = options.mean + (options.shiftFrom !== undefined && d >= options.shiftFrom ? (options.shift ?? 0) : 0);
    for (let i = 0; i < options.perDay; i++) {
      const sd = options.spreadFrom !== undefined && d >= options.spreadFrom ? (options.spread ?? 0.06) : 0.06;
      const score = Math.min(1, Math.max(0, mean + sd * normal(random)));
      const event: TrafficEvent = {
        event_id: `judge-${options.model}-${d}-${i}`,
        timestamp: new Date(options.start + d * DAY_MS + Math.floor(random() * DAY_MS)).toISOString(),
        category: 'judge_flag',
        user_id: `judged-user-${i % 20}`,
        judge_model: options.model,
        judge_score: Math.round(score * 1000) / 1000,
        judge_verdict: 'policy_violation',
        guardrail_result: 'pass',
        policy_violated: i % 3 === 0 ? 'pii' : 'financial_advice',
      };
      const review = options.reviewed?.(d, i);
      if (review) event.human_verdict = review;
      events.push(event);
    }
  }
  return events;
}

/** Monday 00:00 UTC on or before t. */
export function mondayOnOrBefore(t: number): number {
  const day = Math.floor(t / DAY_MS) * DAY_MS;
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return day - weekday * DAY_MS;
}
