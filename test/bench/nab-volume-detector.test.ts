/**
 * bench/nab's detector: the product's volume scorer over a NAB-style series. Expected scores come from a Poisson
 * count with a log-normally varying rate (the scorer's dispersion floor: a steady series has no spread of its own),
 * its mass function integrated and summed here by another route than the product's tail code; the look-ahead check
 * changes the future and requires the past scores to stay as they were.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paramsFor } from '../../analytics-service/src/ueba/anomaly.js';
import { MIN_VOLUME_DISPERSION } from '../../analytics-service/src/ueba/anomaly-scoring.js';
import { parseSeries, type NabSeries } from '../../bench/nab/nab-files.js';
import { scoreSeries, type DetectorOptions } from '../../bench/nab/volume-detector.js';

const FIVE_MINUTES = 300_000;
const START = Date.UTC(2015, 2, 2); // a Monday, 00:00 UTC
const DAY_RECORDS = 288;

function stamp(t: number): string {
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

function seriesOf(values: number[]): NabSeries {
  const text = ['timestamp,value', ...values.map((v, i) => `${stamp(START + i * FIVE_MINUTES)},${v}`)].join('\n');
  return parseSeries('realTweets/synthetic.csv', text);
}

const options: DetectorOptions = {
  params: paramsFor('volume_spike', { min_history_days: 2, min_active_hours: 20 }),
  windowDays: 28,
  alerts: 'episode',
};

/**
 * −log10 P(X ≥ x) for X | λ ~ Poisson(λ), ln λ ~ N(ln median, σ²) with σ² = ln(1 + α): P(X = k) = ∫ φ(z) e^{−λ} λᵏ / k!
 * dz by the midpoint rule over |z| ≤ 10, the masses from k = x up summed until they stop mattering.
 */
function poissonLogNormalSurprise(x: number, median: number, alpha: number): number {
  const sigma = Math.sqrt(Math.log(1 + alpha));
  const step = 0.001;
  let total = 0;
  for (let z = -10 + step / 2; z < 10; z += step) {
    const lambda = median * Math.exp(sigma * z);
    let mass = Math.exp(-lambda);
    for (let k = 1; k <= x; k++) mass *= lambda / k;
    let tail = 0;
    for (let k = x; mass > tail * 1e-17 || k < lambda; k++) {
      tail += mass;
      mass *= lambda / (k + 1);
    }
    total += tail * (Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI)) * step;
  }
  return -Math.log10(total);
}

test('a steady series raises nothing; a spike scores its Poisson–log-normal tail against the trailing hourly median', () => {
  // one request every five minutes for three days (12 an hour, no spread of its own), then 1, 1, 68 in the next hour
  const values = [...new Array<number>(3 * DAY_RECORDS).fill(1), 1, 1, 68, 1];
  const scores = scoreSeries(seriesOf(values), options);
  assert.deepEqual(scores.slice(0, 3 * DAY_RECORDS + 2), new Array<number>(3 * DAY_RECORDS + 2).fill(0));
  // hour so far: 70 requests against the expected 12 (5.8×, 58 over: past both guards)
  const expected = Math.min(100, Math.round(100 * poissonLogNormalSurprise(70, 12, MIN_VOLUME_DISPERSION)) / 10) / 100;
  assert.ok(expected > 0.6 && expected < 1, `the hand-computed score ${expected} should be between the guard and the cap`);
  assert.ok(Math.abs(scores[3 * DAY_RECORDS + 2]! - expected) < 0.0011, `spike scored ${scores[3 * DAY_RECORDS + 2]}, expected ${expected}`);
  // the hour's next record raises the same hour's score: in episode mode it still counts (a new high)
  assert.ok(scores[3 * DAY_RECORDS + 3]! > scores[3 * DAY_RECORDS + 2]!);
});

test('no look-ahead: changing every value after a record leaves the scores up to it unchanged', () => {
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const values = Array.from({ length: 5 * DAY_RECORDS }, (_, i) => Math.floor(20 * random()) + (i % 97 === 0 ? 60 : 0));
  const cut = 4 * DAY_RECORDS + 17;
  const changed = values.map((v, i) => (i > cut ? v * 9 + 40 : v));
  const before = scoreSeries(seriesOf(values), options);
  const after = scoreSeries(seriesOf(changed), options);
  assert.deepEqual(after.slice(0, cut + 1), before.slice(0, cut + 1));
  // and the change does show after the cut, so the comparison above could have failed
  assert.notDeepEqual(after.slice(cut + 1), before.slice(cut + 1));
});

test('merged alerts: the hour after an alerting hour continues its alert; the probability rank is L / (L + 10)', () => {
  // three steady days, then two hours in a row with 1, 1, 68 and the rest of the hour at 1
  const spikeHour = [1, 1, 68, ...new Array<number>(9).fill(1)];
  const values = [...new Array<number>(3 * DAY_RECORDS).fill(1), ...spikeHour, ...spikeHour];
  const first = 3 * DAY_RECORDS + 2;
  const second = first + 12;
  const episode = scoreSeries(seriesOf(values), options);
  const merged = scoreSeries(seriesOf(values), { ...options, alerts: 'merged' });
  assert.ok(episode[first]! > 0 && episode[second]! > 0, 'per hour: both hours alert');
  assert.equal(merged[first], episode[first]);
  assert.deepEqual(merged.slice(first + 10), new Array<number>(merged.length - first - 10).fill(0), 'the second hour continues the first hour\'s alert');
  const ranked = scoreSeries(seriesOf(values), { ...options, alerts: 'merged', rank: 'probability' });
  const surprise = poissonLogNormalSurprise(70, 12, MIN_VOLUME_DISPERSION);
  assert.ok(Math.abs(ranked[first]! - surprise / (surprise + 10)) < 0.002, `${ranked[first]} vs ${surprise / (surprise + 10)}`);
});
