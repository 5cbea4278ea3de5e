/**
 * The two reads every rule makes of every event, kept cheap for streaming: a field by its path
 * (detection/predicate.ts fieldValue, paths split once) and the event's time (detection/event-time.ts, parsed once
 * per event). What they return must not depend on what was read before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldValue } from '../src/detection/predicate.js';
import { eventTime } from '../src/detection/event-time.js';

test('a field is read by its path, plain or dotted, from each event in turn', () => {
  const first = { user_id: 'ada', model: { name: 'gpt-x', provider: 'acme' }, tags: ['a', 'b'] };
  const second = { user_id: 'bo', model: { name: 'llm-y' } };
  const third = { user_id: 'cy', model: 'not an object' };
  assert.equal(fieldValue(first, 'user_id'), 'ada');
  assert.equal(fieldValue(first, 'model.name'), 'gpt-x');
  assert.equal(fieldValue(second, 'model.name'), 'llm-y', 'the same path on another event');
  assert.equal(fieldValue(second, 'model.provider'), undefined);
  assert.equal(fieldValue(third, 'model.name'), undefined, 'a parent that is not an object');
  assert.equal(fieldValue({}, 'model.name'), undefined, 'no parent');
  assert.deepEqual(fieldValue(first, 'tags'), ['a', 'b']);
  assert.equal(fieldValue({ a: { 'b.c': 1, b: { c: 2 } } }, 'a.b.c'), 1, 'split at the first dot only');
});

test('paths beyond the cap of kept paths are still read right', () => {
  const event: Record<string, unknown> = {};
  for (let i = 0; i < 10_050; i++) event[`f${i}`] = { v: i };
  for (let i = 0; i < 10_050; i++) assert.equal(fieldValue(event, `f${i}.v`), i);
  assert.equal(fieldValue(event, 'f3.v'), 3);
});

test("an event's time is its @timestamp in epoch milliseconds, each event its own, the same when read again", () => {
  const a = { '@timestamp': '2026-12-07T04:05:06.789Z' };
  const b = { '@timestamp': '2026-12-06T23:59:59.001+01:00' };
  const c = { '@timestamp': 'not a time' };
  for (let round = 0; round < 2; round++) {
    assert.equal(eventTime(a), Date.UTC(2026, 11, 7, 4, 5, 6, 789));
    assert.equal(eventTime(b), Date.UTC(2026, 11, 6, 22, 59, 59, 1));
    assert.equal(eventTime(c), Number.NaN);
    assert.equal(eventTime({ '@timestamp': '2026-01-01T00:00:00Z' }), Date.UTC(2026, 0, 1), 'an equal-looking new object');
  }
});
