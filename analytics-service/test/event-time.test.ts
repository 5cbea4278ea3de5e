/**
 * An event's time, parsed once per event object (time/event-time.ts): always what Date.parse gives for its current
 * `@timestamp`, and invisible in the event as stored or serialised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ms } from '../src/time/event-time.js';

test('an event’s time is Date.parse of its current @timestamp, however often it is asked', () => {
  const event: Record<string, unknown> = { '@timestamp': '2026-12-07T06:00:00.123Z', event_id: 'e-1' };
  for (let i = 0; i < 3; i++) assert.equal(ms(event), Date.parse('2026-12-07T06:00:00.123Z'));
  event['@timestamp'] = '2026-12-07T07:30:00+01:00';
  assert.equal(ms(event), Date.parse('2026-12-07T06:30:00Z'), 'a changed @timestamp is parsed again');
  assert.ok(Number.isNaN(ms({ event_id: 'no-time' })), 'no @timestamp: NaN, as Date.parse gives');
  assert.ok(Number.isNaN(ms({ event_id: 'no-time' })));
});

test('the kept time is not part of the event: not in its keys, its JSON or a copy’s JSON', () => {
  const event = { '@timestamp': '2026-12-07T06:00:00Z', event_id: 'e-2' };
  const before = JSON.stringify(event);
  ms(event);
  assert.deepEqual(Object.keys(event), ['@timestamp', 'event_id']);
  assert.equal(JSON.stringify(event), before);
  assert.equal(JSON.stringify({ ...event }), before);
});
