/**
 * UEBA false alarms on benign traffic, next to detection of injected anomalies of graded size.
 *
 *   node --import tsx bench/ueba-false-alarms.ts [--users 1000] [--seeds 1,2,3] [--shapes first] [--src analytics-service/src]
 *
 * For each population shape and seed (bench/ueba-benign-population.ts: workday starts and ends, weekends, light and
 * heavy users, a holiday, the first days of data) it scores ten days the way a daily retro-hunt would: each day
 * against baselines built as of its start (the service's own buildBaselineDocument over the 28 days before, from
 * aggregates computed exactly in memory), with the service's own scorers and default parameters — every
 * `ueba_*` rule except new_country (every user keeps one country). One user in ten is a target: one anomaly is
 * injected into one of their working hours (volume 2×–40× the user's rate, output tokens per request 1.5×–8× for
 * three hours, cost per request 3×–30× for an hour). Reported: benign users with any UEBA alert per 100 users per
 * 10 days, per rule, and the share of injected anomalies the matching rule found.
 *
 * `--src` points at another checkout's analytics-service/src (e.g. `git archive <commit>` extracted, with a
 * node_modules link) to measure that code's scorers with the same traffic: before/after figures side by side.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadavg, cpus } from 'node:os';
import { median, medianAbsoluteDeviation, quantileSorted, mean, standardDeviation, min, max } from 'simple-statistics';
import { seededRandom } from '../cli/src/demo/random.js';
import { DAY, EPOCH, HOUR, drawRequest, population, requestCost, type Habits, type PopulationShape, type Request, type User } from './ueba-benign-population.js';

const { values: args } = parseArgs({
  options: { users: { type: 'string', default: '1000' }, seeds: { type: 'string', default: '1,2,3' }, shapes: { type: 'string' }, src: { type: 'string', default: 'analytics-service/src' } },
});
const src = resolve(args.src!);
type Scoring = Omit<typeof import('../analytics-service/src/ueba/anomaly-scoring.js'), 'peerOwnTypical'> & Partial<Pick<typeof import('../analytics-service/src/ueba/anomaly-scoring.js'), 'peerOwnTypical'>>;
const scoring = (await import(`${src}/ueba/anomaly-scoring.ts`)) as Scoring;
const { buildBaselineDocument } = (await import(`${src}/ueba/baseline-builder.ts`)) as typeof import('../analytics-service/src/ueba/baseline-builder.js');
const { HourOfWeekCalendar, WindowHours } = (await import(`${src}/ueba/hour-of-week.ts`)) as typeof import('../analytics-service/src/ueba/hour-of-week.js');
const { DEFAULT_PARAMS } = (await import(`${src}/ueba/anomaly.ts`)) as typeof import('../analytics-service/src/ueba/anomaly.js');
type Baseline = import('../analytics-service/src/ueba/baseline-document.js').BaselineDocument;
type Candidate = import('../analytics-service/src/ueba/anomaly.js').AnomalyCandidate;

const calendar = new HourOfWeekCalendar('UTC');
const WINDOW_DAYS = 28;

// ---- injected anomalies ---------------------------------------------------------------------------

interface Injection {
  user: string;
  kind: 'volume' | 'tokens' | 'cost';
  size: number;
  hours: number[];
}
const SIZES: Array<[Injection['kind'], number]> = [
  ['volume', 2], ['volume', 5], ['volume', 10], ['volume', 40],
  ['tokens', 1.5], ['tokens', 3], ['tokens', 8],
  ['cost', 3], ['cost', 10], ['cost', 30],
];
const FOUND_BY: Record<Injection['kind'], string[]> = { volume: ['volume_spike', 'peer_outlier:requests'], tokens: ['token_shift', 'peer_outlier:tokens_out'], cost: ['cost_spike'] };

function inject(users: User[], habits: Map<string, Habits>, evalDays: number[], seed: number): Injection[] {
  const random = seededRandom(seed * 7919);
  const injections: Injection[] = [];
  users.forEach((user, i) => {
    if (i % 10 !== 9) return;
    const [kind, size] = SIZES[Math.floor(i / 10) % SIZES.length]!;
    const weekdays = evalDays.filter((d) => d % 7 < 5);
    const day = weekdays[Math.floor(random() * weekdays.length)]!;
    const hour = EPOCH + day * DAY + (user.start + 1 + Math.floor(random() * Math.max(1, user.end - user.start - 4))) * HOUR;
    const hours = kind === 'tokens' ? [hour, hour + HOUR, hour + 2 * HOUR] : [hour];
    const own = habits.get(user.id)!;
    if (kind === 'volume') {
      const extra = Math.round((size - 1) * Math.max(user.rate, 1));
      for (let k = 0; k < extra; k++) user.requests.push(drawRequest(random, hour + Math.floor(random() * HOUR), own));
    } else {
      for (const r of user.requests) {
        if (r.at < hour || r.at >= hours[hours.length - 1]! + HOUR) continue;
        if (kind === 'tokens') {
          r.tokensOut = Math.round(r.tokensOut * size);
          r.cost = requestCost(r.tokensIn, r.tokensOut, r.model);
        } else r.cost *= size;
      }
    }
    user.requests.sort((a, b) => a.at - b.at);
    injections.push({ user: user.id, kind, size, hours });
  });
  return injections;
}

// ---- baselines as of a day ---------------------------------------------------------------------------

const lowerBound = (requests: Request[], t: number) => {
  let lo = 0;
  let hi = requests.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (requests[m]!.at < t) lo = m + 1;
    else hi = m;
  }
  return lo;
};

function fieldAggs(values: number[], name: string): Record<string, unknown> {
  if (values.length === 0) return { [`${name}_stats`]: { count: 0, min: null, max: null, avg: null, std_deviation: null } };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    [`${name}_stats`]: { count: values.length, min: min(values), max: max(values), avg: mean(values), std_deviation: standardDeviation(values) },
    [`${name}_pct`]: { values: [50, 95, 99].map((p) => ({ key: p, value: p === 50 ? median(sorted) : quantileSorted(sorted, p / 100) })) },
    [`${name}_mad`]: { value: medianAbsoluteDeviation(values) },
  };
}

const terms = (values: string[]) => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return { buckets: [...counts].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([key, doc_count]) => ({ key, doc_count })) };
};

function baselineOf(user: User, from: number, to: number, hours: InstanceType<typeof WindowHours>): Baseline | undefined {
  const window = user.requests.slice(lowerBound(user.requests, from), lowerBound(user.requests, to));
  if (window.length === 0) return undefined;
  const byHour = new Map<number, Request[]>();
  for (const r of window) {
    const h = Math.floor(r.at / HOUR) * HOUR;
    byHour.set(h, [...(byHour.get(h) ?? []), r]);
  }
  const none = { value: null };
  const summary = {
    key: user.id,
    doc_count: window.length,
    first_seen: { value: window[0]!.at },
    last_seen: { value: window[window.length - 1]!.at },
    categories: terms(window.map(() => 'request')),
    countries: terms(window.map(() => user.country)),
    models: terms(window.map((r) => r.model)),
    endpoints: terms(window.map(() => '/v1/chat')),
    tools: { buckets: [] },
    departments: terms([user.department]),
    users: terms([user.id]),
    countries_distinct: { value: 1 },
    models_distinct: { value: new Set(window.map((r) => r.model)).size },
    endpoints_distinct: { value: 1 },
    tools_distinct: { value: 0 },
    users_distinct: { value: 1 },
    sessions_distinct: none,
    requests: { doc_count: window.length, ...fieldAggs(window.map((r) => r.tokensIn), 'tokens_in'), ...fieldAggs(window.map((r) => r.tokensOut), 'tokens_out'), ...fieldAggs(window.map((r) => r.cost), 'cost_usd') },
  };
  const hourBuckets = [...byHour].map(([hour, rs]) => ({ key: { entity: user.id, hour }, doc_count: rs.length, cost: { value: rs.reduce((s, r) => s + r.cost, 0) }, tokens_out: { value: rs.reduce((s, r) => s + r.tokensOut, 0) } }));
  return buildBaselineDocument({ kind: 'user', id: user.id, window: { from: new Date(from), to: new Date(to) }, computedAt: new Date(to), hours, summary: summary as never, hourBuckets, sessionBuckets: [] });
}

// ---- one day scored as a retro-hunt would ---------------------------------------------------------

/** What fired: `rule` or `peer_outlier:<feature>`, per user and hour. */
interface Fired {
  user: string;
  rule: string;
  hour: number;
  text?: string;
}

/** The peer rule's own-typical guard: the scorers' own when they export it, else the rule before it did (main). */
function ownTypical(baseline: Baseline | undefined, feature: 'requests' | 'tokens_out'): number | undefined {
  const params = DEFAULT_PARAMS.peer_outlier;
  if (scoring.peerOwnTypical) return scoring.peerOwnTypical(baseline, feature, params);
  if (!baseline || baseline.history_days < params.min_history_days || baseline.active_hours < params.min_active_hours) return undefined;
  return feature === 'requests' ? baseline.requests_per_active_hour.median : baseline.hourly_tokens_out.median;
}

function scoreDay(users: User[], day: number): Fired[] {
  const dayStart = EPOCH + day * DAY;
  const from = Math.max(EPOCH, dayStart - WINDOW_DAYS * DAY);
  const hours = new WindowHours(calendar, from, dayStart);
  const fired: Fired[] = [];
  const peers = new Map<string, Array<{ user: User; baseline: Baseline | undefined; requests: Request[]; hour: number }>>();
  for (const user of users) {
    const baseline = dayStart > EPOCH ? baselineOf(user, from, dayStart, hours) : undefined;
    const today = user.requests.slice(lowerBound(user.requests, dayStart), lowerBound(user.requests, dayStart + DAY));
    const byHour = new Map<number, Request[]>();
    for (const r of today) {
      const h = Math.floor(r.at / HOUR) * HOUR;
      byHour.set(h, [...(byHour.get(h) ?? []), r]);
    }
    for (const [hour, rs] of byHour) {
      const key = `${user.department}|${hour}`;
      peers.set(key, [...(peers.get(key) ?? []), { user, baseline, requests: rs, hour }]);
      if (!baseline) continue;
      const scored = { kind: 'user' as const, id: user.id, start: hour, end: hour + HOUR, slot: calendar.slotOf(hour) };
      const found: Array<Candidate | undefined> = [
        scoring.scoreVolumeSpike(baseline, scored, rs.length, DEFAULT_PARAMS.volume_spike),
        scoring.scoreOffProfileHours(baseline, scored, rs.length, DEFAULT_PARAMS.off_profile_hours),
        scoring.scoreCostSpike(baseline, scored, rs.reduce((s, r) => s + r.cost, 0), rs.length, DEFAULT_PARAMS.cost_spike),
        scoring.scoreTokenShift(baseline, scored, { requests: rs.length, tokens_out_median: median(rs.map((r) => r.tokensOut)), tokens_in_median: median(rs.map((r) => r.tokensIn)) }, DEFAULT_PARAMS.token_shift),
      ];
      for (const c of found) if (c) fired.push({ user: user.id, rule: c.anomaly, hour, text: c.explanation });
    }
    // first-seen models: values of the day not in the 30 days before it (one country per user: new_country never fires)
    const params = DEFAULT_PARAMS.new_model_for_user;
    const history = user.requests.slice(lowerBound(user.requests, dayStart - params.lookback_days * DAY), lowerBound(user.requests, dayStart));
    if (history.length === 0) continue;
    const counts = terms(history.map((r) => r.model)).buckets.map((b) => ({ value: b.key, count: b.doc_count }));
    const firsts = new Map<string, Request>();
    for (const r of today) if (!firsts.has(r.model)) firsts.set(r.model, r);
    for (const [model, r] of firsts) {
      const hour = Math.floor(r.at / HOUR) * HOUR;
      const scored = { kind: 'user' as const, id: user.id, start: hour, end: hour + HOUR, slot: calendar.slotOf(hour) };
      const c = scoring.scoreFirstSeen('new_model_for_user', 'model', scored, model, r.at, 1, { events: history.length, first_seen: history[0]!.at, values: counts, distinct: counts.length }, params);
      if (c) fired.push({ user: user.id, rule: 'new_model_for_user', hour, text: c.explanation });
    }
  }
  for (const [key, members] of peers) {
    const group = key.split('|')[0]!;
    const hour = members[0]!.hour;
    for (const feature of ['requests', 'tokens_out'] as const) {
      const values = members.map((m) => {
        const own = ownTypical(m.baseline, feature);
        return { id: m.user.id, value: feature === 'requests' ? m.requests.length : m.requests.reduce((s, r) => s + r.tokensOut, 0), requests: m.requests.length, ...(own !== undefined ? { ownTypical: own } : {}) };
      });
      const scored = { start: hour, end: hour + HOUR, slot: calendar.slotOf(hour) };
      for (const c of scoring.scorePeerOutliers(group, feature, scored, values, DEFAULT_PARAMS.peer_outlier)) fired.push({ user: c.entity_id, rule: `peer_outlier:${feature}`, hour, text: c.explanation });
    }
  }
  return fired;
}

// ---- shapes, runs, table ----------------------------------------------------------------------------

interface Shape extends PopulationShape {
  name: string;
  evalDays: number[];
}
const USERS = Number(args.users);
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const SHAPES: Shape[] = [
  { name: 'steady (days 22–31 of data)', users: USERS, days: 31, departments: Math.max(1, Math.round(USERS / 50)), holidays: [], rateSpread: 0.8, evalDays: range(21, 31) },
  { name: 'a holiday (Wed of week 4)', users: USERS, days: 31, departments: Math.max(1, Math.round(USERS / 50)), holidays: [23], rateSpread: 0.8, evalDays: range(21, 31) },
  { name: 'very uneven users (σ 1.2)', users: USERS, days: 31, departments: Math.max(1, Math.round(USERS / 50)), holidays: [], rateSpread: 1.2, evalDays: range(21, 31) },
  { name: 'first 10 days of data', users: USERS, days: 10, departments: Math.max(1, Math.round(USERS / 50)), holidays: [], rateSpread: 0.8, evalDays: range(0, 10) },
];
const seeds = args.seeds!.split(',').map(Number);
// --shapes: only the shapes whose name contains one of these words (e.g. "first"); every shape by default
const shapes = args.shapes ? SHAPES.filter((s) => args.shapes!.split(',').some((word) => s.name.includes(word))) : SHAPES;
if (shapes.length === 0) {
  console.error(`--shapes "${args.shapes}" matches none of: ${SHAPES.map((s) => s.name).join('; ')}`);
  process.exit(2);
}

console.log(`# UEBA false alarms and detection — scorers from ${src}`);
console.log(`# machine: ${cpus().length} cores, load average before ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const detections = new Map<string, { found: number; total: number }>();
const rows: string[] = [];
for (const shape of shapes) {
  const perSeed: number[] = [];
  const byRule = new Map<string, number>();
  let benignTotal = 0;
  for (const seed of seeds) {
    const { users, habits } = population(shape, seed);
    const injections = inject(users, habits, shape.evalDays, seed);
    const targets = new Set(injections.map((i) => i.user));
    const fired = shape.evalDays.flatMap((day) => scoreDay(users, day));
    const alerted = new Map<string, Set<string>>();
    for (const f of fired) {
      if (targets.has(f.user)) continue;
      if (process.env.UEBA_BENCH_SHOW) console.error(`# benign ${f.user} ${new Date(f.hour).toISOString()} ${f.rule}: ${f.text ?? ''}`);
      const rule = f.rule.split(':')[0]!;
      alerted.set(f.user, (alerted.get(f.user) ?? new Set()).add(rule));
    }
    const benign = users.length - targets.size;
    benignTotal += benign;
    perSeed.push((100 * alerted.size) / benign);
    for (const rules of alerted.values()) for (const rule of rules) byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
    for (const injection of injections) {
      const key = `${injection.kind} ×${injection.size}`;
      const found = fired.some((f) => f.user === injection.user && injection.hours.includes(f.hour) && FOUND_BY[injection.kind].includes(f.rule));
      const tally = detections.get(key) ?? { found: 0, total: 0 };
      tally.found += found ? 1 : 0;
      tally.total++;
      detections.set(key, tally);
    }
  }
  const rules = [...byRule].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${((100 * n) / benignTotal).toFixed(2)}`).join(', ');
  rows.push(`| ${shape.name} | ${perSeed.map((p) => p.toFixed(2)).join(' / ')} | ${((perSeed.reduce((s, p) => s + p, 0)) / perSeed.length).toFixed(2)} | ${rules || '—'} |`);
  console.error(`# done: ${shape.name}`);
}
console.log(`\nBenign users with any UEBA alert per 100 users per 10 days (${USERS} users, one in ten a target and not counted; seeds ${seeds.join(', ')}):\n`);
console.log('| shape | per seed | mean | by rule (users per 100) |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(row);
console.log('\nInjected anomalies found by the matching rule (all shapes and seeds):\n');
console.log('| anomaly | found | rate |');
console.log('|---|---|---|');
for (const [kind, size] of SIZES) {
  const t = detections.get(`${kind} ×${size}`) ?? { found: 0, total: 0 };
  console.log(`| ${kind} ×${size} | ${t.found}/${t.total} | ${t.total ? ((100 * t.found) / t.total).toFixed(0) : '—'} % |`);
}
console.log(`\n# load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
