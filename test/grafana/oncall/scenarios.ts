/**
 * Traffic that makes every rule of the catalogue raise a real alert through the detection engine, for the on-call
 * chain test: the first positive case of each rule (test/integration/detection-rule-cases.ts, each in its own
 * 40-day slot as detection-rules.test.ts places them), five weeks of ordinary traffic with the UEBA anomalies of
 * ueba-anomalies.test.ts in the fifth week, a user attacked often enough for a UEBA risk over 80, an episode that
 * escalates from medium to critical, and an attack from last week found by a retro-hunt.
 */
import { RULE_CASES, type RuleCase } from '../../integration/detection-rule-cases.js';
import { BASE_USER, burst, DAY, HOUR, mondayOnOrBefore, userTraffic, WEEK, type TrafficEvent, type UserRhythm } from '../../support/ueba-traffic.js';

/** entity values kept as written because configuration lists name them (as in detection-rules.test.ts) */
const KEEP = new Set(['support-agent', 'research-agent', 'gpt-4o', 'gpt-4o-mini', 'ib-research-ft', 'retail-assist-ft']);
const SUFFIXED = ['user_id', 'endpoint', 'session_id', 'judge_model', 'model', 'agent_id'];
const SLOT0 = Date.UTC(2016, 0, 1);

export const slotStart = (i: number) => SLOT0 + i * 40 * DAY;

/** A rule case's events placed from `dayStart` (its D0 00:00), entity names suffixed so cases never meet. */
export function caseEvents(c: RuleCase, dayStart: number, tag: string): TrafficEvent[] {
  return c.events.map(({ at, ...fields }, j) => {
    const match = /^D(-?\d+) (\d\d):(\d\d)(?::(\d\d))?$/.exec(at);
    if (!match) throw new Error(`bad time ${at}`);
    const [, day, h, m, s = '0'] = match;
    const t = dayStart + Number(day) * DAY + (Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000;
    const event = { ...fields, timestamp: new Date(t).toISOString(), event_id: `${tag}-${j}` } as TrafficEvent;
    for (const f of SUFFIXED) if (typeof event[f] === 'string' && !KEEP.has(event[f] as string)) event[f] = `${event[f]}-${tag}`;
    return event;
  });
}

/** The first positive case of every rule that has one (every rule but the ueba_* ones). */
export function positiveCases(): RuleCase[] {
  const seen = new Set<string>();
  return RULE_CASES.filter((c) => c.kind === 'positive' && !seen.has(c.rule) && seen.add(c.rule));
}

/** Five weeks ending before `now`: four of baseline, a fifth with one anomaly per ueba_* rule. */
export function uebaScenario(now: number) {
  const start = mondayOnOrBefore(now - 5 * WEEK);
  const baselineEnd = start + 4 * WEEK;
  const user = (id: string): UserRhythm => ({ ...BASE_USER, id });
  const [spiky, shifter, traveller, explorer, nightowl, newbie, risky] = ['spiky', 'shifter', 'traveller', 'explorer', 'nightowl', 'newbie', 'risky'].map((id) => user(`oncall-${id}`));
  let events: TrafficEvent[] = [];
  [spiky, shifter, traveller, explorer, nightowl, risky].forEach((u, i) => events.push(...userTraffic(u!, start, start + 5 * WEEK, 300 + i)));
  const spikeHour = baselineEnd + DAY + 11 * HOUR;
  const shiftHours = [10, 11, 12].map((h) => baselineEnd + 2 * DAY + h * HOUR);
  events.push(...burst(spiky!, spikeHour, 20 * spiky!.rate.weekday, 1, 'spike'));
  events = events.filter((e) => !(e.user_id === shifter!.id && shiftHours.some((h) => Date.parse(e.timestamp) >= h && Date.parse(e.timestamp) < h + HOUR)));
  shiftHours.forEach((h, i) => events.push(...burst(shifter!, h, 8, 10 + i, 'shift', { tokensOutFactor: 2.5 })));
  events.push(...burst(traveller!, baselineEnd + 3 * DAY + 14 * HOUR, 5, 2, 'travel', { country: 'BR' }));
  events.push(...burst(explorer!, baselineEnd + 4 * DAY + 15 * HOUR, 4, 3, 'model', { model: 'mistral-large' }));
  events.push(...burst(nightowl!, baselineEnd + 2 * DAY + 3 * HOUR, 12, 4, 'night'));
  const newbieStart = baselineEnd + DAY;
  events.push(...userTraffic(newbie!, newbieStart, start + 5 * WEEK, 400));
  events.push(...burst(newbie!, newbieStart + 2 * DAY + 11 * HOUR, 140, 5, 'newbie'));
  return { events, start, baselineEnd, end: start + 5 * WEEK, riskyUser: risky!.id };
}

/** `episodes` critical prompt-injection episodes of one user (11 attempts in 10 minutes each, starting 30 minutes apart: 20 quiet minutes, more than the rule's 15-minute window, keep them apart), the last ending at `end`. */
export function attackEpisodes(userId: string, end: number, episodes: number): TrafficEvent[] {
  return Array.from({ length: episodes }, (_, e) => {
    const first = end - 10 * 60_000 - (episodes - 1 - e) * 30 * 60_000;
    return Array.from({ length: 11 }, (_, i) => ({
      event_id: `${userId}-episode${e}-${i}`,
      timestamp: new Date(first + i * 60_000).toISOString(),
      category: 'prompt_attack',
      user_id: userId,
      src_ip: '10.66.0.1',
    }));
  }).flat();
}

/** Prompt-injection attempts of one user, one a minute from `first` (4 make a medium alert, 11 a critical one). */
export function attempts(userId: string, first: number, from: number, to: number): TrafficEvent[] {
  return Array.from({ length: to - from }, (_, k) => ({
    event_id: `${userId}-attempt-${from + k}`,
    timestamp: new Date(first + (from + k) * 60_000).toISOString(),
    category: 'prompt_attack',
    user_id: userId,
    src_ip: '10.66.0.2',
  }));
}
