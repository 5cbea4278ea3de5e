/**
 * The pieces of the Grafana evaluator against expectations written by hand from Grafana's source (not from the
 * evaluator): the _msearch body pkg/tsdb/elasticsearch builds for the paging rule, the number set a terms-only
 * answer becomes, and how the Alertmanager walks a policy tree (first match, continue, inheritance, defaults).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allRules, esQueries, loadProvisioned, type Route } from '../provisioned.js';
import { grafanaSearchRequest, numberSet } from './es-query-translation.js';
import { Alertmanager, matchRoutes } from './notification-routing.js';

const provisioned = loadProvisioned();
const paging = allRules(provisioned).find(({ rule }) => rule.uid === 'aisec-alert-open')!.rule;
const model = esQueries(paging)[0]!.model;
const alertsDatasource = provisioned.datasources.datasources.find((d) => d.uid === 'aisec-es-alerts')!;

test('the paging rule becomes the _msearch Grafana sends: range on the datasource time field, query_string, nested terms', () => {
  const request = grafanaSearchRequest(model, alertsDatasource, { from: 1_000, to: 2_000 }, { url: 'http://es:9200', index: 'x-alerts' });
  assert.equal(request.url, 'http://es:9200/_msearch?max_concurrent_shard_requests=5');
  assert.deepEqual(request.header, { search_type: 'query_then_fetch', ignore_unavailable: true, index: 'x-alerts' });
  const terms = (field: string, size: number, aggs?: Record<string, unknown>) => ({ terms: { field, size, order: { _count: 'desc' }, min_doc_count: 1 }, ...(aggs ? { aggs } : {}) });
  assert.deepEqual(request.body, {
    size: 0,
    query: { bool: { filter: [{ range: { created_at: { gte: 1_000, lte: 2_000, format: 'epoch_millis' } } }, { query_string: { query: 'NOT status:closed', analyze_wildcard: true } }] } },
    aggs: { '2': terms('id', 5000, { '3': terms('rule_id', 1, { '4': terms('severity', 1) }) }) },
  });
});

test('a terms-only answer is one number per leaf bucket, labelled by every terms field (count = doc_count)', () => {
  const answer = {
    '2': {
      buckets: [
        { key: 'a1', doc_count: 1, '3': { buckets: [{ key: 'judge_drift', doc_count: 1, '4': { buckets: [{ key: 'medium', doc_count: 1 }] } }] } },
        { key: 'b2', doc_count: 1, '3': { buckets: [{ key: 'boundary_then_tool', doc_count: 1, '4': { buckets: [{ key: 'critical', doc_count: 1 }] } }] } },
      ],
    },
  };
  assert.deepEqual(numberSet(answer, model), [
    { labels: { id: 'a1', rule_id: 'judge_drift', severity: 'medium' }, value: 1 },
    { labels: { id: 'b2', rule_id: 'boundary_then_tool', severity: 'critical' }, value: 1 },
  ]);
});

test('the provisioned policy sends each severity to its rung, anything else to the default, with the route timings', () => {
  const root = provisioned.policies.policies[0]!;
  const [critical] = matchRoutes(root, { severity: 'critical', alertname: 'x' });
  assert.deepEqual([critical!.receiver, critical!.groupWaitMs, critical!.groupIntervalMs, critical!.repeatIntervalMs], ['aisec-pager', 0, 60_000, 168 * 3_600_000]);
  assert.equal(matchRoutes(root, { severity: 'high' })[0]!.receiver, 'aisec-soc-oncall');
  assert.equal(matchRoutes(root, { severity: 'medium' })[0]!.receiver, 'aisec-soc-channel');
  assert.deepEqual(matchRoutes(root, { severity: 'low' }).map((r) => r.path), ['root']);
  assert.deepEqual(matchRoutes(root, {}).map((r) => r.receiver), ['aisec-soc-channel'], 'no severity (e.g. DatasourceError): the default');
});

test('routing walks children in order: first match wins unless it continues; unset settings come from the parent', () => {
  const tree: Route = {
    receiver: 'root',
    group_wait: '1m',
    routes: [
      { receiver: 'a', object_matchers: [['team', '=~', 'soc|ai']], continue: true, routes: [{ receiver: 'a1', object_matchers: [['severity', '!=', 'low']] }] },
      { receiver: 'b', object_matchers: [['team', '=', 'soc']] },
      { receiver: 'c', object_matchers: [['team', '=', 'soc']] },
    ],
  };
  assert.deepEqual(matchRoutes(tree, { team: 'soc', severity: 'high' }).map((r) => r.receiver), ['a1', 'b']);
  assert.deepEqual(matchRoutes(tree, { team: 'soc', severity: 'low' }).map((r) => r.receiver), ['a', 'b']);
  assert.deepEqual(matchRoutes(tree, { team: 'socx' }).map((r) => r.receiver), ['root'], 'regular expressions are anchored');
  assert.equal(matchRoutes(tree, { team: 'ai' })[0]!.groupWaitMs, 60_000, 'group_wait inherited');
  assert.equal(matchRoutes(tree, { team: 'ai' })[0]!.repeatIntervalMs, 4 * 3_600_000, "Alertmanager's default repeat_interval");
});

test('the Alertmanager notifies a new group after group_wait, its resolution at the next group_interval, and repeats only after repeat_interval', () => {
  const am = new Alertmanager({ receiver: 'r', group_by: ['...'], group_wait: '30s', group_interval: '1m', repeat_interval: '10m' });
  const alert = { alertname: 'x', id: '1' };
  am.receive(0, [alert], []);
  am.advance(29_000);
  assert.equal(am.sent.length, 0, 'not before group_wait');
  am.advance(30_000);
  assert.deepEqual(am.sent.map((n) => [n.at, n.status]), [[30_000, 'firing']]);
  for (let t = 60_000; t < 600_000; t += 60_000) {
    am.receive(t, [alert], []);
    am.advance(t);
  }
  assert.equal(am.sent.length, 1, 'no second notification while nothing changes');
  am.advance(630_000);
  assert.deepEqual(am.sent.map((n) => [n.at, n.status]), [[30_000, 'firing'], [630_000, 'firing']], 'repeat after repeat_interval');
  am.receive(640_000, [], [alert]);
  am.advance(690_000);
  assert.deepEqual(am.sent.at(-1), { at: 690_000, receiver: 'r', status: 'resolved', alerts: [alert] });
});
