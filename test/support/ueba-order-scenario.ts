/**
 * One UEBA scenario for the order-independence test (ueba-order-independence.test.ts): two departments of users
 * with the shared weekly rhythm over a bit more than two weeks of history, then one day with three campaigns —
 * a 20× volume burst, five hours of output tokens per request at 5×, and one request from a new country by a busy
 * user. Seeded:
 * the same events every run. Built on ueba-traffic.ts; the expected alerts are the campaigns, by construction.
 */
import { BASE_USER, DAY, HOUR, WEEK, burst, mondayOnOrBefore, requestEvent, seededRandom, userTraffic, type TrafficEvent, type UserRhythm } from './ueba-traffic.js';

export interface OrderScenario {
  events: TrafficEvent[];
  from: number;
  to: number;
  /** the users each campaign used */
  burstUser: string;
  tokenUser: string;
  travelUser: string;
  /** the hour of the burst, the first of the five token hours, the new country's request */
  burstHour: number;
  tokenHours: number[];
  travelAt: number;
}

export function orderScenario(now = Date.now()): OrderScenario {
  // the campaign day is a Wednesday at least a day in the past; history starts on the Monday 15 days before it
  const thisMonday = mondayOnOrBefore(now - DAY);
  const campaignDay = (thisMonday + 2 * DAY < now - DAY ? thisMonday : thisMonday - WEEK) + 2 * DAY;
  const from = campaignDay - 2 * WEEK - 2 * DAY;
  const to = campaignDay + DAY;
  const users: UserRhythm[] = [];
  for (const department of ['research', 'support']) {
    // user 3 of research works twice as much: enough history (≈ 1 800 requests) for a new country to be news
    for (let i = 0; i < 7; i++) users.push({ ...BASE_USER, id: `order-${department}-${i}`, department, ...(department === 'research' && i === 3 ? { rate: { monday: 28, weekday: 14, weekend: 2 } } : {}) });
  }
  const events = users.flatMap((user, i) => userTraffic(user, from, to, 100 + i));
  const [burstUser, tokenUser, travelUser] = [users[0]!, users[8]!, users[3]!];
  const burstHour = campaignDay + 14 * HOUR;
  events.push(...burst(burstUser, burstHour, 140, 7, 'burst'));
  const tokenHours = [10, 11, 12, 13, 14].map((h) => campaignDay + h * HOUR);
  tokenHours.forEach((hour, i) => events.push(...burst(tokenUser, hour, 12, 20 + i, 'tokens', { tokensOutFactor: 5 })));
  const travelAt = campaignDay + 11 * HOUR + 17 * 60_000;
  events.push(requestEvent(travelUser, travelAt, seededRandom(5), `${travelUser.id}-travel`, { country: 'BR' }));
  return { events, from, to, burstUser: burstUser.id, tokenUser: tokenUser.id, travelUser: travelUser.id, burstHour, tokenHours, travelAt };
}

/** The events in a seeded random order: every hour of history arrives piecemeal, spread over the whole load. */
export function shuffled<T>(items: T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
