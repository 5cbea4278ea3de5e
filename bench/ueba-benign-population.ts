/**
 * A seeded population of benign users for the UEBA false-alarm benchmark (bench/ueba-false-alarms.ts), held in
 * memory request by request, and the aggregation answers a baseline refresh would get from Elasticsearch for one
 * user and window — computed exactly here (Elasticsearch's percentiles are t-digest estimates: close, not equal).
 *
 * Each user has a department, a working day of their own (start 07:00–10:00, 7–10 hours long, arriving and
 * leaving part-way through the edge hours), a rate per working hour drawn log-normally (light users near 1 an hour,
 * heavy ones past 30), busier Mondays and quieter Fridays, day-to-day moods (×e^N(0, 0.3)), weekend work for one
 * user in ten, a main model, a second one and a rarely used third, and their own token habits. A holiday is a
 * weekday on which almost nobody works.
 */
import { normal, poisson, seededRandom } from '../cli/src/demo/random.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Monday 2026-01-05 00:00 UTC: day 0 of every population */
export const EPOCH = Date.UTC(2026, 0, 5);

export interface Request {
  at: number;
  tokensIn: number;
  tokensOut: number;
  cost: number;
  model: string;
}

export interface User {
  id: string;
  department: string;
  country: string;
  requests: Request[];
  /** requests per working hour at an ordinary weekday */
  rate: number;
  start: number;
  end: number;
}

export interface PopulationShape {
  users: number;
  days: number;
  departments: number;
  /** day indexes (weekdays) on which almost nobody works */
  holidays: number[];
  /** spread (σ of log) of rates across users */
  rateSpread: number;
}

const MODELS = ['gpt-4o', 'claude-sonnet-4-5', 'gpt-4o-mini', 'llama-3-70b', 'gemini-1.5-pro'];
const PRICE: Record<string, number> = { 'gpt-4o': 1, 'claude-sonnet-4-5': 1.2, 'gpt-4o-mini': 0.1, 'llama-3-70b': 0.3, 'gemini-1.5-pro': 0.8 };

export function requestCost(tokensIn: number, tokensOut: number, model: string): number {
  return Math.round((tokensIn * 0.000003 + tokensOut * 0.000015) * (PRICE[model] ?? 1) * 1e6) / 1e6;
}

/** One request of a user at `at`, with its own token draw; `factor` scales output tokens, `price` the cost. */
export function drawRequest(random: () => number, at: number, habits: { tokensIn: number; tokensOut: number; models: Array<[string, number]> }, factor = 1, price = 1): Request {
  let r = random();
  let model = habits.models[0]![0];
  for (const [m, w] of habits.models) if ((r -= w) < 0) {
    model = m;
    break;
  }
  const tokensIn = Math.max(5, Math.round(habits.tokensIn * Math.exp(0.6 * normal(random))));
  const tokensOut = Math.max(5, Math.round(habits.tokensOut * factor * Math.exp(0.6 * normal(random))));
  return { at, tokensIn, tokensOut, model, cost: requestCost(tokensIn, tokensOut, model) * price };
}

export interface Habits {
  tokensIn: number;
  tokensOut: number;
  models: Array<[string, number]>;
}

export function population(shape: PopulationShape, seed: number): { users: User[]; habits: Map<string, Habits> } {
  const random = seededRandom(seed);
  const users: User[] = [];
  const habits = new Map<string, Habits>();
  const holidays = new Set(shape.holidays);
  for (let u = 0; u < shape.users; u++) {
    const id = `u${String(u).padStart(4, '0')}`;
    const rate = Math.min(60, 5 * Math.exp(shape.rateSpread * normal(random)));
    const start = 7 + Math.floor(random() * 4);
    const end = start + 7 + Math.floor(random() * 4);
    const weekend = random() < 0.1;
    const main = Math.floor(random() * MODELS.length);
    const second = (main + 1 + Math.floor(random() * (MODELS.length - 1))) % MODELS.length;
    const third = (second + 1) % MODELS.length === main ? (second + 2) % MODELS.length : (second + 1) % MODELS.length;
    const own: Habits = {
      tokensIn: 300 * Math.exp(0.5 * normal(random)),
      tokensOut: 400 * Math.exp(0.5 * normal(random)),
      models: [
        [MODELS[main]!, 0.79],
        [MODELS[second]!, 0.2],
        [MODELS[third]!, 0.01],
      ],
    };
    habits.set(id, own);
    const user: User = { id, department: `dept-${u % shape.departments}`, country: 'GB', requests: [], rate, start, end };
    const arrive = random();
    const leave = random();
    for (let d = 0; d < shape.days; d++) {
      const weekday = d % 7; // day 0 is a Monday
      const mood = Math.exp(0.3 * normal(random));
      let dayRate = weekday === 0 ? 1.3 : weekday === 4 ? 0.8 : 1;
      if (weekday >= 5) dayRate = weekend ? 0.3 : 0;
      if (holidays.has(d)) dayRate = random() < 0.05 ? 0.5 : 0;
      // arrival and departure move by up to an hour from day to day
      const from = weekday >= 5 ? 10 : start + (arrive + random() - 1);
      const to = weekday >= 5 ? 13 : end + (leave + random() - 1);
      for (let h = Math.floor(from); h < Math.ceil(to); h++) {
        const share = Math.min(h + 1, to) - Math.max(h, from);
        const n = poisson(random, rate * dayRate * mood * share);
        const hourStart = EPOCH + d * DAY + h * HOUR + Math.max(0, from - h) * HOUR;
        for (let i = 0; i < n; i++) user.requests.push(drawRequest(random, hourStart + Math.floor(random() * share * HOUR), own));
      }
    }
    user.requests.sort((a, b) => a.at - b.at);
    users.push(user);
  }
  return { users, habits };
}
