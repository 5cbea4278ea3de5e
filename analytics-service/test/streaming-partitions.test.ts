/**
 * Streaming partitions (detection/partitions.ts): how the shipped rules are split, the share a replica streams, and
 * where a partition new to the store resumes. Expected values by hand from the definitions in the file comment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCatalogue } from '../src/detection/catalogue.js';
import { loadDetectionConfig } from '../src/detection/config-schema.js';
import { fairShare, otherCheckpointIds, partitionIds, partitionRules, resumePoint, streamingCost } from '../src/detection/partitions.js';

const rules = loadCatalogue(loadDetectionConfig()).rules.filter((r) => r.enabled);

test('every enabled rule is streamed by exactly one partition, for every partition count', () => {
  for (let count = 1; count <= 16; count++) {
    const parts = partitionRules(rules, count);
    assert.equal(parts.length, count);
    const ids = parts.flat().map((r) => r.id).sort();
    assert.deepEqual(ids, rules.map((r) => r.id).sort(), `${count} partitions`);
  }
});

test('the split depends on the rules only, not on their order (every replica computes the same one)', () => {
  const reversed = [...rules].reverse();
  for (const count of [2, 3, 5]) {
    assert.deepEqual(partitionRules(reversed, count).map((p) => p.map((r) => r.id)), partitionRules(rules, count).map((p) => p.map((r) => r.id)));
  }
});

test('the costs of the partitions stay within the heaviest rule (the peer outlier) of each other', () => {
  const peer = rules.find((r) => r.type === 'ueba' && r.anomaly === 'peer_outlier')!;
  assert.equal(streamingCost(peer), Math.max(...rules.map(streamingCost)));
  for (const count of [2, 3, 4]) {
    const parts = partitionRules(rules, count);
    const costs = parts.map((p) => p.reduce((sum, r) => sum + streamingCost(r), 0));
    // greedy, heaviest first onto the lightest: the last rule placed went onto the lightest partition, so no partition
    // exceeds another by more than the cost of one rule
    assert.ok(Math.max(...costs) - Math.min(...costs) <= streamingCost(peer), `${count} partitions, costs ${costs.join(', ')}`);
  }
  // with as many partitions as rules, the peer outlier streams alone
  assert.deepEqual(partitionRules(rules, 16).find((p) => p.includes(peer))!.map((r) => r.id), [peer.id]);
});

test('one partition keeps the lease and checkpoint names streaming always had; other counts get their own', () => {
  assert.deepEqual(partitionIds(0, 1), { leaseId: 'detection:streaming-lease', checkpointId: 'detection-checkpoint' });
  assert.deepEqual(partitionIds(1, 3), { leaseId: 'detection:streaming-lease:p2of3', checkpointId: 'detection-checkpoint:p2of3' });
  const others = otherCheckpointIds(3, 2);
  assert.deepEqual(others, [
    { id: 'detection-checkpoint', count: 1 },
    { id: 'detection-checkpoint:p1of3', count: 3 },
    { id: 'detection-checkpoint:p2of3', count: 3 },
    { id: 'detection-checkpoint:p3of3', count: 3 },
  ]);
});

test('a new partition resumes at the oldest checkpoint of the partitioning that streamed last', () => {
  assert.equal(resumePoint([]), undefined);
  // one partition streamed until 10:00 and stopped; three partitions had streamed before, long ago
  const stored = [
    { count: 1, ingested: 1000, updatedAt: 5000 },
    { count: 3, ingested: 200, updatedAt: 900 },
    { count: 3, ingested: 300, updatedAt: 950 },
  ];
  assert.deepEqual(resumePoint(stored), { ingested: 1000, updatedAt: 5000 });
  // two partitions streamed last: the older of their two checkpoints, so neither partition's rules skip an event
  assert.deepEqual(resumePoint([...stored, { count: 2, ingested: 1500, updatedAt: 7000 }, { count: 2, ingested: 1200, updatedAt: 6000 }]), { ingested: 1200, updatedAt: 7000 });
});

test('a replica streams an even share, rounded up so that every partition has a holder', () => {
  assert.equal(fairShare(4, 1), 4);
  assert.equal(fairShare(4, 2), 2);
  assert.equal(fairShare(3, 2), 2);
  assert.equal(fairShare(2, 3), 1);
  assert.equal(fairShare(2, 0), 2);
});
