/**
 * Streaming shares the service's thread with ingest and the API (detection/cooperative.ts): a rule working through a
 * large slice of new events lets the event loop turn between chunks of it (once a stretch has run the budget, 10 ms),
 * so a request that arrives meanwhile is answered then, not after the slice. Measured without a clock: the events' fields the evaluation reads between two
 * turns of the event loop (a callback that re-arms itself with setImmediate marks each turn).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type {} from '../../analytics-service/src/http/plugins/detection.js';
import { emptyTally } from '../../analytics-service/src/detection/engine.js';
import type { EventDoc } from '../../analytics-service/src/detection/predicate.js';
import { startTestService, type TestService } from '../support/service.js';

let service: TestService;

before(async () => {
  service = await startTestService('streaming-io-in');
  await service.app.detection.streaming.stop();
});
after(async () => service?.close());

test('a rule working through 20 000 new events lets the event loop turn many times, never reading more than a quarter of them in one stretch', async () => {
  const engine = service.app.detection.engine;
  const rule = engine.streamingRules().find((r) => r.id === 'guardrail_block_burst');
  assert.ok(rule, 'guardrail_block_burst streams');
  let reads = 0;
  let stretch = 0;
  let longest = 0;
  // each read costs 5 µs, as a heavier predicate would: the slice is 100 ms of work, ten times the budget
  const counting: ProxyHandler<EventDoc> = {
    get(target, field, receiver) {
      reads++;
      stretch++;
      const until = performance.now() + 0.005;
      while (performance.now() < until);
      return Reflect.get(target, field, receiver);
    },
  };
  const now = Date.now();
  // requests: none is a guardrail block, so every event is read by the rule's trigger and none goes further
  const events = Array.from({ length: 20_000 }, (_, i) => new Proxy<EventDoc>({ '@timestamp': new Date(now - i).toISOString(), event_id: `io-${i}`, category: 'request', user_id: `user-${i % 700}` }, counting));

  let turns = 0;
  let evaluating = true;
  const turn = () => {
    longest = Math.max(longest, stretch);
    stretch = 0;
    turns++;
    if (evaluating) setImmediate(turn);
  };
  setImmediate(turn);
  const tally = await engine.evaluateNewEvents(rule, events, emptyTally());
  evaluating = false;
  longest = Math.max(longest, stretch);

  assert.deepEqual(tally, emptyTally(), 'no alert: no event is a guardrail block');
  assert.ok(reads >= events.length, `every event was read by the trigger (${reads} reads)`);
  assert.ok(longest <= reads / 4, `at most a quarter of the reads between two turns: ${longest} of ${reads}, in ${turns} turns`);
});
