/**
 * detection/cooperative.ts: a stretch of work that calls letIoIn() between its steps lets the event loop turn once it
 * has run BUDGET_MS, and filterLettingIoIn keeps what Array.prototype.filter keeps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUDGET_MS, filterLettingIoIn, letIoIn } from '../src/detection/cooperative.js';

/** Busy for `ms` without giving the event loop a turn. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('work longer than the budget, calling letIoIn between its steps, lets a callback waiting for the event loop run before it ends', async () => {
  const steps = 20;
  const stepMs = BUDGET_MS / 2;
  let doneWhenItRan: number | undefined;
  let done = 0;
  setImmediate(() => (doneWhenItRan = done));
  for (; done < steps; done++) {
    spin(stepMs);
    await letIoIn();
  }
  assert.notEqual(doneWhenItRan, undefined, `the callback ran only after all ${steps} steps of ${stepMs} ms`);
  assert.ok(doneWhenItRan! < steps, `ran after ${doneWhenItRan} of ${steps} steps`);
});

test('filterLettingIoIn keeps what Array.prototype.filter keeps, in order, across chunk boundaries', async () => {
  const keep = (n: number) => n % 3 !== 1;
  for (const length of [0, 1, 6, 7, 8, 20]) {
    const items = Array.from({ length }, (_, i) => (i * 7919) % 101);
    assert.deepEqual(await filterLettingIoIn(items, keep, 7), items.filter(keep), `${length} items in chunks of 7`);
  }
});
