/** The rollup's pure parts: whole hours of a range, hour-aligned bucket widths, ids, and adding two terms → histogram answers in Elasticsearch's order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hourAlignedInterval, rollupDocId, wholeHours } from '../src/rollups/hourly-rollup.js';
import { compareTermsKeys, mergeTermSeries } from '../src/query/rollup-split.js';

const H = 3_600_000;
const T = Date.parse('2026-01-05T00:00:00Z');

test('wholeHours: the hours entirely inside [from, to), none when the range holds no whole hour', () => {
  assert.deepEqual(wholeHours(T + 7 * 60_000, T + 5 * H - 1), { from: T + H, to: T + 4 * H });
  assert.deepEqual(wholeHours(T, T + 2 * H), { from: T, to: T + 2 * H });
  assert.equal(wholeHours(T + 1, T + H + 5), undefined);
});

test('hourAlignedInterval: whole multiples of an hour only', () => {
  assert.equal(hourAlignedInterval(H), true);
  assert.equal(hourAlignedInterval(86_400_000), true);
  assert.equal(hourAlignedInterval(30 * 60_000), false);
  assert.equal(hourAlignedInterval(5_400_000), false);
});

test('rollupDocId: the same hour and values give the same id; a missing value differs from any value', () => {
  assert.equal(rollupDocId(T, { category: 'request', risk_tier: 2 }), rollupDocId(T, { risk_tier: 2, category: 'request' }));
  assert.notEqual(rollupDocId(T, { category: 'request' }), rollupDocId(T, { category: 'request', model: '' }));
  assert.notEqual(rollupDocId(T, { category: 'request' }), rollupDocId(T + H, { category: 'request' }));
  assert.notEqual(rollupDocId(T, { risk_tier: 1 }), rollupDocId(T, { risk_tier: '1' }));
});

test('mergeTermSeries adds counts per value and per bucket, ordered by count then key (UTF-8 bytes)', () => {
  const part = (buckets: Array<[string, Array<[number, number]>]>, other = 0) => ({
    series: { sum_other_doc_count: other, buckets: buckets.map(([key, hist]) => ({ key, doc_count: hist.reduce((n, [, c]) => n + c, 0), over_time: { buckets: hist.map(([k, c]) => ({ key: k, doc_count: c })) } })) },
  });
  const rolled = part([['b', [[0, 3], [H, 1]]], ['a', [[0, 2], [H, 0]]], ['é', [[0, 2], [H, 0]]]]);
  const raw = part([['a', [[0, 0], [H, 2]]], ['c', [[0, 1], [H, 0]]]]);
  // hand sums: b 4, a 4, é 2, c 1; ties by key: "a" < "b"; "é" (0xC3…) after ASCII
  assert.deepEqual(mergeTermSeries([rolled, raw], 'series', 'over_time'), [
    { key: 'a', count: 4, buckets: [{ key: 0, doc_count: 2 }, { key: H, doc_count: 2 }] },
    { key: 'b', count: 4, buckets: [{ key: 0, doc_count: 3 }, { key: H, doc_count: 1 }] },
    { key: 'é', count: 2, buckets: [{ key: 0, doc_count: 2 }, { key: H, doc_count: 0 }] },
    { key: 'c', count: 1, buckets: [{ key: 0, doc_count: 1 }, { key: H, doc_count: 0 }] },
  ]);
  assert.equal(mergeTermSeries([rolled, part([], 5)], 'series', 'over_time'), undefined, 'a part that left values out cannot be merged');
  assert.ok(compareTermsKeys(2, 10) < 0);
  assert.ok(compareTermsKeys('Z', 'a') < 0);
});
