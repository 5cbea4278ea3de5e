/**
 * How streaming splits a slice's new events into evaluations (engine.ts streamingScopes): per-entity rules take at
 * most 500 entities an evaluation; the peer rule, which reads whole department-hours, takes all of a slice's users at
 * once, so a department-hour touched by 1 200 users is read once, not three times. Stragglers are evaluated apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCatalogue } from '../src/detection/catalogue.js';
import { loadDetectionConfig } from '../src/detection/config-schema.js';
import { streamingScopes } from '../src/detection/engine.js';
import type { EvaluationUnit } from '../src/detection/evaluation.js';
import type { EventDoc } from '../src/detection/predicate.js';
import type { UebaRule } from '../src/detection/rule-schema.js';
import { uebaEvaluator } from '../src/ueba/ueba-evaluator.js';

const NOW = Date.parse('2026-12-01T10:30:00Z');
const DAY = 86_400_000;

/** One request per user, a second apart; `late` users' requests are two days older (stragglers). */
function requests(users: number, late = 0): EventDoc[] {
  const at = (i: number) => new Date(NOW - (i < late ? 2 * DAY : 0) + i * 1000).toISOString();
  return Array.from({ length: users }, (_, i) => ({ '@timestamp': at(i), event_id: `e-${i}`, category: 'request', user_id: `user-${i}`, user_department: 'engineering' }));
}

const perEntity: EvaluationUnit = { trigger: { field: 'category', eq: 'request' }, keyFields: ['user_id'], lookaheadMs: 1 };

function peerUnit(): EvaluationUnit {
  const rule = loadCatalogue(loadDetectionConfig()).byId.get('ueba_peer_outlier') as UebaRule;
  // units() reads only the rule: the scoring context is not needed to list them
  const units = [...uebaEvaluator({} as Parameters<typeof uebaEvaluator>[0]).units(rule, {} as never)];
  assert.equal(units.length, 1, 'the peer rule scores users');
  return units[0]!;
}

test('a per-entity rule evaluates 1 200 users in scopes of 500, 500 and 200, each spanning its own users\' events', () => {
  const scopes = streamingScopes(requests(1200), perEntity);
  assert.deepEqual(
    scopes.map((s) => s.keys!.length),
    [500, 500, 200],
  );
  assert.equal(scopes[1]!.keys![0]![0], 'user-500');
  assert.equal(scopes[2]!.from, NOW + 1000 * 1000, 'from the first event of user-1000');
  assert.equal(scopes[2]!.to, NOW + 1199 * 1000 + 1, 'to the last event of user-1199, plus the lookahead');
  assert.equal(scopes.flatMap((s) => s.events!).length, 1200, 'every event in one scope');
});

test('the peer rule evaluates a slice\'s 1 200 users in one scope; a straggler still gets its own', () => {
  const unit = peerUnit();
  const scopes = streamingScopes(requests(1200), unit);
  assert.equal(scopes.length, 1);
  assert.equal(scopes[0]!.keys!.length, 1200);
  const withLate = streamingScopes(requests(1200, 1), unit);
  assert.deepEqual(
    withLate.map((s) => s.keys!.length),
    [1199, 1],
    'the user two days behind is evaluated apart',
  );
  assert.deepEqual(withLate[1]!.keys, [['user-0']]);
});

test('events of no entity make no scope', () => {
  const anonymous = requests(3).map(({ user_id: _, ...rest }) => rest as EventDoc);
  assert.deepEqual(streamingScopes(anonymous, perEntity), []);
});
