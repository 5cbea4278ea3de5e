/**
 * Deterministic, seeded traffic for UEBA tests: users with a weekly rhythm (busy Mondays, ordinary weekdays,
 * quiet weekends, working hours), judges with stable or shifted score distributions, guardrail and judge
 * catches — plus injected anomalies (volume spike, token shift, new country, new model).
 * Same seed, same events, same event ids.
 */
import type { TestService } from './service.js';

// the demo generator's seeded PRNG (mulberry32); re-exported for the UEBA tests
import { seededRandom } from '../../cli/src/demo/random.js';

export { seededRandom };

export function poisson(random: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(random)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

export function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const WEEK = 7 * DAY;

export type TrafficEvent = Record<string, unknown> & { timestamp: string; category: string; event_id: string };

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

export const cost = (tokensIn: number, tokensOut: number) => Math.round((tokensIn * 0.000003 + tokensOut * 0.000015) * 1e6) / 1e6;

function pick<T>(random: () => number, weighted: Array<[T, number]>): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [value, w] of weighted) if ((r -= w) < 0) return value;
  return weighted[weighted.length - 1]![0];
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
  const day = Math.floor(t / DAY);
  const event: TrafficEvent = {
    event_id: id,
    timestamp: new Date(t).toISOString(),
    category: 'request',
    user_id: user.id,
    user_department: user.department,
    src_country: overrides.country ?? user.country,
    model: overrides.model ?? pick(random, user.models),
    endpoint: user.endpoint,
    session_id: `${user.id}-s${day}-${Math.floor(new Date(t).getUTCHours() / 3)}`,
    tokens_in: tokensIn,
    tokens_out: tokensOut,
    cost_usd: cost(tokensIn, tokensOut),
    decision: 'allow',
  };
  if (user.agent) event.agent_id = user.agent;
  return event;
}

/** The user's ordinary traffic over [start, end), hour by hour. */
export function userTraffic(user: UserRhythm, start: number, end: number, seed: number): TrafficEvent[] {
  const random = seededRandom(seed);
  const events: TrafficEvent[] = [];
  for (let h = start; h < end; h += HOUR) {
    const n = poisson(random, rateAt(user, h));
    for (let i = 0; i < n; i++) events.push(requestEvent(user, h + Math.floor(random() * HOUR), random, `${user.id}-${h}-${i}`));
  }
  return events;
}

/** `count` requests of the user inside the hour starting at `hourStart`, with optional overrides. */
export function burst(user: UserRhythm, hourStart: number, count: number, seed: number, tag: string, overrides: RequestOverrides = {}): TrafficEvent[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) =>
    requestEvent(user, hourStart + Math.floor(((i + random()) / count) * HOUR), random, `${user.id}-${tag}-${hourStart}-${i}`, overrides),
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
        timestamp: new Date(options.start + d * DAY + Math.floor(random() * DAY)).toISOString(),
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

/** Posts events through the real ingest API in chunks, refreshing once at the end. */
export async function ingest(service: TestService, events: TrafficEvent[], chunk = 5000): Promise<void> {
  for (let i = 0; i < events.length; i += chunk) {
    const response = await service.request('ingest', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(events.slice(i, i + chunk)),
    });
    const body = response.json() as { accepted: number; duplicates: number; rejected: number; errors: unknown[] };
    if (response.statusCode !== 200 || body.rejected > 0) {
      throw new Error(`ingest failed (${response.statusCode}): ${JSON.stringify(body.errors?.slice(0, 3) ?? body)}`);
    }
  }
  await service.es.indices.refresh({ index: `${service.prefix}-events` });
}

/** Monday 00:00 UTC on or before t. */
export function mondayOnOrBefore(t: number): number {
  const day = Math.floor(t / DAY) * DAY;
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return day - weekday * DAY;
}
