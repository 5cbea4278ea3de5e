/**
 * Streaming's tally of running department-hours (ueba/peer-tally.ts) on hand-made events: what it counts, what it
 * leaves to the read of the events from before it began, and what it forgets. The tally against Elasticsearch is
 * tested in test/integration/ueba-streaming.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HourOfWeekCalendar } from '../src/ueba/hour-of-week.js';
import { PeerTally } from '../src/ueba/peer-tally.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T10:00:00Z');
const calendar = new HourOfWeekCalendar('UTC');

function request(user: string, department: string | undefined, at: number, ingested: number, tokens?: number): Record<string, unknown> {
  return {
    '@timestamp': new Date(at).toISOString(),
    category: 'request',
    user_id: user,
    ...(department !== undefined ? { user_department: department } : {}),
    ...(tokens !== undefined ? { tokens_out: tokens } : {}),
    event: { ingested: new Date(ingested).toISOString() },
  };
}

test('a department-hour is its members as read from before the tally began, plus every request streamed since', () => {
  const began = T0 + 20 * 60_000;
  const tally = new PeerTally(began, 5000);
  tally.add(
    calendar,
    [
      request('ann', 'eng', T0 + 21 * 60_000, began + 1000, 100),
      request('ann', 'eng', T0 + 22 * 60_000, began + 2000, 50),
      request('bob', 'eng', T0 + 22 * 60_000, began + 2000),
      // ingested before the tally began: in the read of the events from before it, not counted again
      request('bob', 'eng', T0 + 19 * 60_000, began - 1),
      // not members of a department, or not requests
      request('cyd', undefined, T0 + 22 * 60_000, began + 2000),
      request('dee', '', T0 + 22 * 60_000, began + 2000),
      { ...request('ann', 'eng', T0 + 23 * 60_000, began + 3000), category: 'guardrail_block' },
    ],
    began + 3000,
  );
  const key = `${T0}|eng`;
  assert.equal(tally.newest(key), began + 2000);
  assert.equal(tally.seeded(key), false);
  tally.seed(key, [
    { key: { hour: T0, group: 'eng', entity: 'bob' }, doc_count: 3, tokens_out: { value: 30 }, ingested: { value: began - 1 } },
    { key: { hour: T0, group: 'eng', entity: 'abe' }, doc_count: 1, tokens_out: { value: null }, ingested: { value: began - 500 } },
  ]);
  assert.equal(tally.seeded(key), true);
  assert.deepEqual(tally.whole(key), [
    { key: { hour: T0, group: 'eng', entity: 'abe' }, doc_count: 1, tokens_out: { value: 0 }, ingested: { value: began - 500 } },
    { key: { hour: T0, group: 'eng', entity: 'ann' }, doc_count: 2, tokens_out: { value: 150 }, ingested: { value: began + 2000 } },
    { key: { hour: T0, group: 'eng', entity: 'bob' }, doc_count: 4, tokens_out: { value: 30 }, ingested: { value: began + 2000 } },
  ]);
});

test('its read of the events from before it waits until they are all searchable', () => {
  const tally = new PeerTally(T0, 5000);
  assert.equal(tally.ready(T0 + 4999), false);
  assert.equal(tally.ready(T0 + 5000), true);
});

test('only running hours and the hour before are kept', () => {
  const tally = new PeerTally(T0, 5000);
  tally.add(calendar, [request('ann', 'eng', T0 + 60_000, T0 + 60_000)], T0 + 60_000);
  assert.equal(tally.newest(`${T0}|eng`), T0 + 60_000);
  // an hour later the 10:00 hour is the hour before: kept
  tally.add(calendar, [request('ann', 'eng', T0 + HOUR + 60_000, T0 + HOUR + 60_000)], T0 + HOUR + 60_000);
  assert.equal(tally.newest(`${T0}|eng`), T0 + 60_000);
  // two hours later it is forgotten, and a late event of it is not counted
  tally.add(calendar, [request('ann', 'eng', T0 + 120_000, T0 + 2 * HOUR + 60_000)], T0 + 2 * HOUR + 60_000);
  assert.equal(tally.newest(`${T0}|eng`), undefined);
  assert.equal(tally.newest(`${T0 + HOUR}|eng`), T0 + HOUR + 60_000);
});
