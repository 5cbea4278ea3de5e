/**
 * exactTopOfParts against a brute-force oracle: random counts in two disjoint parts (a big one, as the rollup's rows,
 * and a small one, as the raw edges), each part's answer as Elasticsearch gives it over one shard (its top `size` by
 * count then key, the rest in sum_other_doc_count), and the true top k from the full counts. Whenever
 * exactTopOfParts answers, it is the true top k with their counts, and the total is every event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactTopOfParts, type TermsPart } from '../src/query/exact-top-terms.js';
import { seededRandom } from '../../cli/src/demo/random.js';

type Counts = Map<string, number>;
const byCountThenKey = (a: [string, number], b: [string, number]) => b[1] - a[1] || Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]));

/** A one-shard `terms` answer of this size over these counts. */
function oneShardTerms(counts: Counts, size: number): TermsPart {
  const list = [...counts].filter(([, n]) => n > 0).sort(byCountThenKey);
  const kept = list.slice(0, size);
  return { buckets: kept.map(([key, doc_count]) => ({ key, doc_count })), sum_other_doc_count: list.slice(size).reduce((n, [, c]) => n + c, 0), doc_count_error_upper_bound: 0 };
}

function trueTop(parts: Counts[], k: number): Array<[string, number]> {
  const sum = new Map<string, number>();
  for (const counts of parts) for (const [key, n] of counts) sum.set(key, (sum.get(key) ?? 0) + n);
  return [...sum].filter(([, n]) => n > 0).sort(byCountThenKey).slice(0, k);
}

test('exactTopOfParts: whenever it answers, the answer is the true top k (random skewed and flat counts)', () => {
  const random = seededRandom(14);
  let answered = 0;
  const cases = 4000;
  for (let round = 0; round < cases; round++) {
    const users = 3 + Math.floor(random() * 150);
    const skew = 0.3 + random() * 4;
    const big: Counts = new Map();
    const small: Counts = new Map();
    for (let u = 0; u < users; u++) {
      const key = `user-${String(Math.floor(random() * 1000)).padStart(3, '0')}`;
      big.set(key, (big.get(key) ?? 0) + Math.floor(200 * Math.pow(random(), skew)));
      if (random() < 0.3) small.set(key, (small.get(key) ?? 0) + Math.floor(6 * random()));
    }
    const size = [3, 5, 10, 20][round % 4]!;
    const k = 1 + (round % Math.min(size, 4));
    const answer = exactTopOfParts([oneShardTerms(big, size), oneShardTerms(small, size)], k);
    if (!answer) continue;
    answered++;
    assert.deepEqual(answer.top.map((u) => [u.key, u.count]), trueTop([big, small], k), `round ${round}`);
    const total = [...big.values(), ...small.values()].reduce((n, c) => n + c, 0);
    assert.equal(answer.total, total, `round ${round}`);
  }
  // of use: a fair share is provable even with these short lists (the service lists 20–200 per part)
  assert.ok(answered > cases / 5, `answered ${answered} of ${cases}`);
});

test('exactTopOfParts: complete lists are exact; a lead a left-out count could overturn is refused', () => {
  const complete = oneShardTerms(new Map([['a', 4], ['b', 5]]), 10);
  assert.deepEqual(exactTopOfParts([complete, undefined], 1)?.top, [{ key: 'b', count: 5 }]);
  // ties: lowest key first, as Elasticsearch orders them
  assert.deepEqual(exactTopOfParts([oneShardTerms(new Map([['b', 3], ['a', 1]]), 10), oneShardTerms(new Map([['a', 2]]), 10)], 1)?.top, [{ key: 'a', count: 3 }]);
  // 'b' leads the rows by 1, but 'a' may have up to 2 more among the raw events than the list shows
  const rows: TermsPart = { buckets: [{ key: 'b', doc_count: 10 }, { key: 'a', doc_count: 9 }], sum_other_doc_count: 0 };
  const raw: TermsPart = { buckets: [{ key: 'c', doc_count: 2 }], sum_other_doc_count: 7 };
  assert.equal(exactTopOfParts([rows, raw], 1), undefined);
  // with a clear lead it is certain, and the total counts the unlisted events too
  const clear: TermsPart = { buckets: [{ key: 'b', doc_count: 20 }, { key: 'a', doc_count: 9 }], sum_other_doc_count: 0 };
  assert.deepEqual(exactTopOfParts([clear, { ...raw, buckets: [{ key: 'b', doc_count: 2 }] }], 1), { top: [{ key: 'b', count: 22 }], total: 38 });
});
