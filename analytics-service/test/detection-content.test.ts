/**
 * The pure parts of detection: content detectors (phrases, Luhn card numbers, secrets, CIDR, e-mail domains),
 * predicate evaluation, business hours across DST, deterministic alert ids and merges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { alertId, mergedAlert, newAlert } from '../src/detection/alert.js';
import { businessIntervals, isOutsideBusinessHours } from '../src/detection/business-hours.js';
import { loadCatalogue } from '../src/detection/catalogue.js';
import { loadDetectionConfig } from '../src/detection/config-schema.js';
import { compileDetector, domainAllowed, emailDomains, findCardNumbers, ipInCidr, luhnValid, phraseMatcher } from '../src/detection/content-detectors.js';
import type { Finding } from '../src/detection/evaluation.js';
import { compilePredicate, TEXT_FIELDS, type EventDoc } from '../src/detection/predicate.js';
import { CountMemory, DistinctMemory, WindowMemory } from '../src/detection/window-memory.js';

const config = loadDetectionConfig();
const catalogue = loadCatalogue(config);

test('phrases match whole words, case-insensitively, across punctuation', () => {
  const m = phraseMatcher(['ignore previous', 'override']);
  assert.ok(m.test('Please IGNORE   previous instructions'));
  assert.ok(m.test('ignore-previous'));
  assert.ok(m.test('override: now'));
  assert.ok(!m.test('overrides and overridden'));
  assert.ok(!m.test('ignore previously'));
});

test('card numbers: Luhn-valid, grouped or not; look-alikes are not', () => {
  assert.deepEqual(findCardNumbers('pay with 4111 1111 1111 1111 today'), ['4111111111111111']);
  assert.deepEqual(findCardNumbers('amex 3782-822463-10005'), ['378282246310005']);
  assert.deepEqual(findCardNumbers('5555555555554444'), ['5555555555554444']);
  assert.deepEqual(findCardNumbers('order 4111 1111 1111 1112, in 2024, tel 555 0100'), []);
  assert.deepEqual(findCardNumbers('0000 0000 0000 0000'), []);
  assert.deepEqual(findCardNumbers('id 41111111111111111111111'), [], 'part of a longer number');
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 15, maxLength: 15 }), (digits) => {
      const body = `4${digits.slice(1).join('')}`;
      const withCheck = [...Array(10).keys()].map((d) => `${body}${d}`).filter(luhnValid);
      return withCheck.length === 1;
    }),
  );
});

test('secret patterns of sensitive_data_in_output', () => {
  const rule = catalogue.byId.get('sensitive_data_in_output')!;
  assert.equal(rule.type, 'content_match');
  const detectors = rule.type === 'content_match' ? rule.detectors.map((d) => [d.name, compileDetector(d)] as const) : [];
  const hit = (text: string) => detectors.filter(([, test]) => test(text)).map(([name]) => name);
  assert.deepEqual(hit('key AKIAIOSFODNN7EXAMPLE'), ['aws_access_key']);
  assert.deepEqual(hit('ghp_abcdefghijklmnopqrstuvwxyz0123456789'), ['github_token']);
  assert.deepEqual(hit('-----BEGIN RSA PRIVATE KEY-----'), ['private_key']);
  assert.deepEqual(hit('sk-ant-api03-abcdefghijklmnopqrstuv'), ['llm_api_key']);
  assert.deepEqual(hit('postgres://app:s3cret@db:5432/x'), ['connection_string']);
  assert.deepEqual(hit('a risk-based approach; skip the AKIA prefix talk'), []);
});

test('IP ranges and e-mail domains', () => {
  assert.ok(ipInCidr('203.0.113.77', '203.0.113.0/24'));
  assert.ok(!ipInCidr('203.0.114.1', '203.0.113.0/24'));
  assert.ok(ipInCidr('198.51.100.66', '198.51.100.66'));
  assert.ok(ipInCidr('::ffff:203.0.113.9', '203.0.113.0/24'));
  assert.ok(ipInCidr('2001:db8::1', '2001:db8::/32'));
  assert.ok(!ipInCidr('2001:db9::1', '2001:db8::/32'));
  assert.deepEqual(emailDomains({ to: ['A@Example.com'], cc: 'x <b@evil.io>' }), ['example.com', 'evil.io']);
  assert.ok(domainAllowed('eu.example.com', ['example.com']));
  assert.ok(!domainAllowed('notexample.com', ['example.com']));
});

test('predicates: exact and three-valued when text was not fetched', () => {
  const rule = catalogue.byId.get('multi_turn_attack')!;
  assert.equal(rule.type, 'sequence');
  if (rule.type !== 'sequence') return;
  const context = { businessHours: config.business_hours, timezone: config.timezone };
  const event = (fields: Record<string, unknown>) => ({ '@timestamp': '2026-01-01T10:00:00Z', event_id: 'e', ...fields }) as EventDoc;
  const first = compilePredicate(rule.first.where, context);
  assert.equal(first(event({ input_text: 'DAN mode please' })), true);
  assert.equal(first(event({ input_text: 'hello' })), false);
  assert.equal(compilePredicate(rule.first.where, { ...context, missingFields: TEXT_FIELDS })(event({})), null);
  const then = compilePredicate(rule.then.where, context);
  assert.equal(then(event({ conversation_turn: 11, finding: { confidence: 0.9 } })), true);
  assert.equal(then(event({ conversation_turn: 11, judge_score: 0.7 })), false);
});

test('business hours follow the configured time zone across daylight saving', () => {
  const hours = { start: '06:00', end: '23:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const };
  assert.ok(isOutsideBusinessHours(Date.parse('2026-03-29T05:30:00Z'), { ...hours, days: [...hours.days] }, 'UTC'));
  assert.ok(!isOutsideBusinessHours(Date.parse('2026-03-29T05:30:00Z'), { ...hours, days: [...hours.days] }, 'Europe/London'), '06:30 BST');
  const intervals = businessIntervals(Date.parse('2026-03-28T00:00:00Z'), Date.parse('2026-03-30T00:00:00Z'), { ...hours, days: [...hours.days] }, 'Europe/London');
  assert.deepEqual(intervals.map(([a, b]) => [new Date(a).toISOString(), new Date(b).toISOString()]), [
    ['2026-03-28T06:00:00.000Z', '2026-03-28T23:00:00.000Z'],
    ['2026-03-29T05:00:00.000Z', '2026-03-29T22:00:00.000Z'],
  ]);
  const weekdays = { ...hours, days: ['mon', 'tue', 'wed', 'thu', 'fri'] as Array<'mon' | 'tue' | 'wed' | 'thu' | 'fri'> };
  assert.ok(isOutsideBusinessHours(Date.parse('2026-03-28T12:00:00Z'), weekdays, 'UTC'), 'a Saturday');
});

test('alert ids are deterministic; merging only grows and keeps triage', () => {
  const rule = catalogue.byId.get('prompt_injection_repeated')!;
  const finding: Finding = {
    rule, signal: 'attempts', entity: { user_id: 'u', src_ip: '192.0.2.1' }, keyFields: ['user_id', 'src_ip'],
    windowStart: Date.parse('2026-01-01T10:00:00Z'), windowEnd: Date.parse('2026-01-01T10:03:00Z'), firedAt: Date.parse('2026-01-01T10:03:00Z'),
    observed: 4, threshold: 3, eventCount: 4, eventIds: ['a', 'b', 'c', 'd'], mergeGapMs: 0,
  };
  const id = alertId(rule.id, 'attempts', ['u', '192.0.2.1'], finding.windowStart);
  assert.equal(id, alertId(rule.id, 'attempts', ['u', '192.0.2.1'], finding.windowStart));
  assert.notEqual(id, alertId(rule.id, 'attempts', ['u', '192.0.2.2'], finding.windowStart));
  const created = newAlert(finding, id, '2026-01-01T10:03:01Z');
  assert.equal(created.severity, 'medium');
  const triaged = { ...created, status: 'acknowledged' as const, history: [...created.history, { at: 'x', actor: 'soc', action: 'triage' as const, status: 'acknowledged' as const }] };
  assert.equal(mergedAlert(triaged, finding, { count: 4, ids: finding.eventIds }, 'later'), triaged, 'the same finding changes nothing');
  const grown = mergedAlert(triaged, { ...finding, windowEnd: finding.windowEnd + 60_000, observed: 11 }, { count: 11, ids: finding.eventIds }, 'later');
  assert.equal(grown.severity, 'critical');
  assert.equal(grown.status, 'acknowledged');
  assert.equal(grown.recommended_action, 'block_user');
  const smaller = mergedAlert(grown, { ...finding, observed: 2 }, { count: 11, ids: finding.eventIds }, 'even later');
  assert.equal(smaller, grown, 'a partial re-run never shrinks an alert');
});

test('streaming window memory is trusted only after a full window and bounds every window containing an event', () => {
  const memory = new WindowMemory(60_000, 1_000_000);
  assert.equal(memory.trusted(1_030_000, 'u'), false, 'events before the memory started may share this window');
  assert.equal(memory.trusted(1_060_000, 'u'), true);
  for (const t of [1_100_000, 1_169_000, 1_110_000]) memory.add('u', t, t);
  assert.equal(memory.countBetween('u', 1_110_000 - 60_000, 1_110_000 + 60_000), 3, 'out-of-order events count too');
  assert.equal(memory.countBetween('v', 0, Number.MAX_SAFE_INTEGER), 0);
  memory.add('u', 1_400_000, 1_400_000);
  assert.equal(memory.countBetween('u', 0, Number.MAX_SAFE_INTEGER), 1, 'events more than two windows behind the newest are forgotten');
  assert.equal(memory.trusted(1_110_000, 'u'), false, 'and a window around them is no longer trusted');
  assert.equal(memory.trusted(1_110_000, 'v'), true, 'for that entity only');
});

test('a count memory started from stored buckets bounds from above the events of every window holding an event', () => {
  const W = 600;
  const times = fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 40 });
  fc.assert(
    fc.property(times, times, (stored, streamed) => {
      const memory = new CountMemory(W, -Infinity);
      // what Elasticsearch held when the memory was made, counted per W-aligned bucket
      const buckets = new Map<number, number>();
      for (const t of stored) buckets.set(Math.floor(t / W) * W, (buckets.get(Math.floor(t / W) * W) ?? 0) + 1);
      for (const [start, count] of buckets) memory.seed('u', start, count);
      for (let i = 0; i < streamed.length; i++) {
        const t = streamed[i]!;
        memory.add('u', t, t);
        if (!memory.trusted(t, 'u')) continue; // forgotten: a window around t is left to Elasticsearch
        const known = [...stored, ...streamed.slice(0, i + 1)];
        for (let end = t; end < t + W; end++) {
          if (known.filter((x) => x > end - W && x <= end).length > memory.countBetween('u', t - W, t + W)) return false;
        }
      }
      return true;
    }),
    { numRuns: 200 },
  );
  const memory = new CountMemory(W, 0);
  memory.seed('u', 1200, 3);
  memory.add('u', 2000, 2000);
  assert.equal(memory.countBetween('u', 2000 - W, 2000 + W), 4, 'the stored bucket [1200, 1800) meets (1400, 2600)');
  assert.equal(memory.countBetween('u', 1800, 2600), 1, 'a bucket wholly before the window is not counted');
});

test('the distinct memory bounds from above the distinct values of every window holding an event, and answers each pair’s latest time before it, in any order of arrival', () => {
  const W = 600;
  const event = fc.record({ entity: fc.constantFrom('u', 'v'), value: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), t: fc.integer({ min: 0, max: 3000 }) });
  fc.assert(
    fc.property(fc.array(event, { maxLength: 60 }), (arrivals) => {
      const memory = new DistinctMemory(W, -Infinity);
      for (let i = 0; i < arrivals.length; i++) {
        const e = arrivals[i]!;
        // what it answers: the latest time the pair arrived before, by brute force over the earlier arrivals
        const earlier = arrivals.slice(0, i).filter((x) => x.entity === e.entity && x.value === e.value);
        const latest = earlier.length > 0 ? Math.max(...earlier.map((x) => x.t)) : undefined;
        if (memory.see(e.entity, e.value, e.t, 0) !== latest) return false;
        // brute force over the events arrived so far: every window (end − W, end] that holds e.t
        const arrived = arrivals.slice(0, i + 1).filter((x) => x.entity === e.entity);
        for (let end = e.t; end < e.t + W; end++) {
          const distinct = new Set(arrived.filter((x) => x.t > end - W && x.t <= end).map((x) => x.value)).size;
          if (distinct > memory.distinctAround(e.entity, e.t)) return false;
        }
      }
      return true;
    }),
    { numRuns: 200 },
  );
  const memory = new DistinctMemory(W, 1_000);
  assert.equal(memory.trusted(1_500), false, 'a window before the memory was trusted from');
  assert.equal(memory.trusted(1_600), true);
  for (const [value, t] of [['a', 1_000], ['b', 2_000], ['c', 2_500]] as const) memory.see('u', value, t, t);
  assert.equal(memory.distinctAround('u', 2_550), 2, 'the value last seen more than a window before is not counted');
  assert.equal(memory.distinctAround('w', 2_550), 0);
  memory.seed('u', 'z', 2_540);
  assert.equal(memory.distinctAround('u', 2_550), 3, 'a value read from Elasticsearch counts in the bound');
  assert.equal(memory.see('u', 'z', 2_560, 2_560), undefined, 'but is not taken as streamed: its event may still be on its way');
});
