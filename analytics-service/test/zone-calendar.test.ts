/**
 * The service's one local-time calendar against dates worked out by hand from the zones' published rules
 * (EU summer time starts on the last Sunday of March at 01:00 UTC and ends on the last Sunday of October at
 * 01:00 UTC; Newfoundland is UTC−3:30 in winter; India is UTC+5:30 all year).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localDate, localDayStart, zoneCalendar } from '../src/time/zone-calendar.js';

const at = (iso: string) => Date.parse(iso);

test('local days start at local midnight, and the days of a DST change are 23 and 25 hours long', () => {
  const berlin = zoneCalendar('Europe/Berlin');
  // 2026-03-29 is the last Sunday of March: midnight is still CET (UTC+1)
  assert.equal(berlin.dayStart(at('2026-03-29T12:00:00Z')), at('2026-03-28T23:00:00Z'));
  assert.equal(berlin.dayStart(at('2026-03-30T12:00:00Z')), at('2026-03-29T22:00:00Z'));
  // 2026-10-25 is the last Sunday of October: midnight is CEST (UTC+2), the next one CET
  assert.equal(localDayStart(at('2026-10-25T12:00:00Z'), 'Europe/Berlin'), at('2026-10-24T22:00:00Z'));
  assert.equal(localDayStart(at('2026-10-26T12:00:00Z'), 'Europe/Berlin'), at('2026-10-25T23:00:00Z'));
  // 23:30 UTC on the 28th is already the 29th in Berlin
  assert.equal(localDate(at('2026-03-28T23:30:00Z'), 'Europe/Berlin'), '2026-03-29');
  assert.equal(localDate(at('2026-03-28T23:30:00Z'), 'UTC'), '2026-03-28');
});

test('local wall-clock times on a date become the right instants across the change', () => {
  const berlin = zoneCalendar('Europe/Berlin');
  // 09:00 on 2026-03-29 (after the change, CEST) and on 2026-03-28 (CET)
  assert.equal(berlin.localToUtc(at('2026-03-29T10:00:00Z'), 9 * 60), at('2026-03-29T07:00:00Z'));
  assert.equal(berlin.localToUtc(at('2026-03-28T10:00:00Z'), 9 * 60), at('2026-03-28T08:00:00Z'));
  assert.equal(berlin.minuteOfDay(at('2026-03-29T07:15:00Z')), 9 * 60 + 15);
});

test('weekdays and hour-of-week slots count from Monday 00:00 local time', () => {
  // 2026-12-07 is a Monday
  assert.equal(zoneCalendar('UTC').weekdayIndex(at('2026-12-07T00:00:00Z')), 0);
  assert.equal(zoneCalendar('UTC').hourOfWeekSlot(at('2026-12-07T09:59:59Z')), 9);
  // Sunday 23:30 UTC is Monday 05:00 in Kolkata (UTC+5:30)
  assert.equal(zoneCalendar('Asia/Kolkata').hourOfWeekSlot(at('2026-12-06T23:30:00Z')), 5);
  assert.equal(zoneCalendar('Asia/Kolkata').weekdayIndex(at('2026-12-06T23:30:00Z')), 0);
  // Sunday 22:00 UTC is Sunday 23:00 in Berlin (CET): the last slot of the week
  assert.equal(zoneCalendar('Europe/Berlin').hourOfWeekSlot(at('2026-12-06T22:00:00Z')), 167);
});

test('local hours may start on the half hour', () => {
  // St. John's is UTC−3:30 in December: 12:10 UTC is 08:40 local, whose hour began at 08:00 local = 11:30 UTC
  assert.equal(zoneCalendar('America/St_Johns').floorToHour(at('2026-12-07T12:10:00Z')), at('2026-12-07T11:30:00Z'));
  assert.equal(zoneCalendar('America/St_Johns').offsetAt(at('2026-12-07T12:10:00Z')), -3.5 * 3_600_000);
});

test('an unknown zone is refused', () => {
  assert.throws(() => zoneCalendar('Mars/Olympus'), RangeError);
});
