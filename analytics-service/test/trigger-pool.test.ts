/**
 * The events a streaming unit's trigger looks at (trigger-pool.ts): grouping a slice by category once must leave every
 * unit's candidates exactly as filtering all the events would, in the same order, for any trigger and any slice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadDetectionConfig } from '../src/detection/config-schema.js';
import { compilePredicate, type EventDoc } from '../src/detection/predicate.js';
import type { Predicate } from '../src/detection/rule-schema.js';
import { triggerPool } from '../src/detection/trigger-pool.js';

const context = { businessHours: loadDetectionConfig().business_hours, timezone: 'UTC' };
const categories = ['request', 'prompt_attack', 'judge_flag', 'guardrail_block'];

const leaf: fc.Arbitrary<Predicate> = fc.oneof(
  fc.record({ field: fc.constantFrom('category', 'model'), eq: fc.constantFrom(...categories, 'gpt-4o', 3) }),
  fc.record({ field: fc.constantFrom('category', 'model'), in: fc.array(fc.constantFrom(...categories, 'gpt-4o'), { minLength: 1, maxLength: 2 }) }),
  fc.record({ field: fc.constantFrom('category', 'model'), neq: fc.constantFrom(...categories) }),
  fc.record({ field: fc.constantFrom('category', 'tokens_out'), exists: fc.boolean() }),
  fc.record({ field: fc.constant('tokens_out'), gt: fc.integer({ min: 0, max: 10 }) }),
);
const predicate: fc.Arbitrary<Predicate> = fc.letrec<{ p: Predicate }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie('p'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('p'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('p') }),
  ),
})).p;

const event = fc.record(
  {
    // a category that is not one string turns the grouping off for the whole slice: rare, so most slices are grouped
    category: fc.oneof({ arbitrary: fc.constantFrom(...categories, '3'), weight: 60 }, { arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.constantFrom(['request', 'judge_flag'], 7), weight: 1 }),
    model: fc.constantFrom('gpt-4o', 'claude'),
    tokens_out: fc.integer({ min: 0, max: 10 }),
  },
  { requiredKeys: ['model'] },
);
const slice = fc.array(event, { maxLength: 30 }).map((events) => events.map((e, i): EventDoc => ({ ...e, '@timestamp': new Date(i * 1000).toISOString(), event_id: `e-${i}` })));

test("a unit's candidates from its category's events equal those from all the events, in order", async () => {
  await fc.assert(
    fc.asyncProperty(predicate, slice, async (trigger, events) => {
      const check = compilePredicate(trigger, context);
      const candidates = (pool: readonly EventDoc[]) => pool.filter((e) => check(e) !== false).map((e) => e.event_id);
      assert.deepEqual(candidates(await triggerPool(events, trigger)), candidates(events));
    }),
    { numRuns: 2_000 },
  );
});

test('a trigger requiring one category looks only at that category’s events, unless some category is not one string', async () => {
  const events: EventDoc[] = categories.flatMap((category, i) => [0, 1].map((j) => ({ '@timestamp': new Date(i * 1000 + j).toISOString(), event_id: `${category}-${j}`, category })));
  const trigger: Predicate = { all: [{ field: 'tokens_out', gt: 1 }, { field: 'category', eq: 'judge_flag' }] };
  assert.deepEqual((await triggerPool(events, trigger)).map((e) => e.event_id), ['judge_flag-0', 'judge_flag-1']);
  assert.equal(await triggerPool(events, { field: 'category', in: ['judge_flag', 'request'] }), events, 'two categories: every event');
  assert.equal(await triggerPool(events, { any: [{ field: 'category', eq: 'judge_flag' }] }), events, 'not read through any');
  const mixed = [...events, { '@timestamp': new Date(9_000).toISOString(), event_id: 'both', category: ['judge_flag', 'request'] }];
  assert.equal(await triggerPool(mixed, trigger), mixed, 'an event with two categories: no grouping');
});
