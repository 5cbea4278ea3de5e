/**
 * GET /v1/content-pack?format=kibana and `aisec content-pack --format kibana`: the catalogue as Kibana detection rules
 * in import NDJSON. Every exported rule is held to the constraints of Kibana's published rule-creation schema
 * (test/support/kibana-rule-schema.ts names the files and commits), to schedules without gaps, and to seed 004's
 * severity ladder on Kibana's risk-score bands; Lucene queries are parsed by the real Elasticsearch.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { aisec } from './cli-runner.js';
import { KEYS, startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { DATE_MATH, kibanaRuleErrors, RISK_BANDS, spanMs } from '../support/kibana-rule-schema.js';

interface ExportedRule {
  rule_id: string;
  type: string;
  severity: string;
  risk_score: number;
  interval: string;
  from: string;
  query: string;
  language: string;
  index: string[];
  threshold?: { field: string[]; value: number; cardinality?: Array<{ field: string; value: number }> };
  new_terms_fields?: string[];
  history_window_start?: string;
  threat: Array<{ framework: string; tactic: { id: string }; technique: Array<{ id: string; subtechnique?: Array<{ id: string }> }> }>;
  meta: { aisec_rule_id: string; aisec_signal?: string };
  [key: string]: unknown;
}

let service: TestService;
let lines: string[];
let rules: ExportedRule[];
let notExported: string[];
let catalogue: Array<{ id: string; window: string; severity: string; tags: { atlas: string[] } }>;

before(async () => {
  service = await startTestService('kibanapack', { AISEC_DETECTION_STREAMING: 'false' });
  // app.ready() returns after the first bootstrap attempt; on a loaded Elasticsearch that attempt can time out and the
  // service answers 503 until its retry succeeds
  await waitFor('the index bootstrap', async () => (service.app.readiness.bootstrap ? true : undefined), 120_000, async () => `last error: ${service.app.readiness.lastError}`);
  const response = await service.request('read', { method: 'GET', url: '/v1/content-pack?format=kibana' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^application\/x-ndjson/);
  lines = response.body.split('\n').filter((l) => l !== '');
  rules = lines.map((l) => JSON.parse(l) as ExportedRule);
  notExported = String(response.headers['x-aisec-not-exported'] ?? '').split(', ').filter(Boolean);
  catalogue = (await service.request('read', { method: 'GET', url: '/v1/rules' })).json().rules;
});
after(async () => service.close());

const byId = (id: string) => {
  const rule = rules.find((r) => r.rule_id === id);
  assert.ok(rule, `${id} is exported`);
  return rule;
};

describe('Kibana rules NDJSON', () => {
  test('every exported rule meets the constraints of Kibana’s rule-creation schema and import validation', () => {
    assert.ok(rules.length >= 20, `only ${rules.length} rules exported`);
    for (const rule of rules) assert.deepEqual(kibanaRuleErrors(rule), [], `${rule.rule_id}: ${kibanaRuleErrors(rule).join('; ')}`);
    assert.equal(new Set(rules.map((r) => r.rule_id)).size, rules.length, 'rule_ids are unique');
  });

  test('the checker is not vacuous: each broken constraint is named', () => {
    const good = byId('prompt_injection_repeated');
    const broken = (patch: Record<string, unknown>, drop: string[] = []) => {
      const copy: Record<string, unknown> = { ...good, ...patch };
      for (const key of drop) delete copy[key];
      return kibanaRuleErrors(copy).join('; ');
    };
    assert.match(broken({}, ['rule_id']), /rule_id is required/);
    assert.match(broken({ risk_score: 101 }), /risk_score must be an integer from 0 to 100/);
    assert.match(broken({ severity: 'informational' }), /severity must be one of/);
    assert.match(broken({ from: '-15m' }), /from must be date math/);
    assert.match(broken({ threshold: { field: ['user_id'], value: 0 } }), /threshold.value must be an integer ≥ 1/);
    assert.match(broken({ threshold: { field: ['a', 'b', 'c', 'd', 'e', 'f'], value: 1 } }), /5 or less/);
    assert.match(broken({ threshold: { field: ['user_id'], value: 1, cardinality: [{ field: 'user_id', value: 2 }] } }), /always 1/);
    assert.match(broken({ threat: [{ framework: 'MITRE ATLAS', tactic: { id: 'AML.TA0005' } }] }), /threat\[0\]\.tactic\.name is required/);
    assert.match(broken({ language: 'eql' }), /language must be kuery or lucene/);
    assert.match(broken({ rule_source: { type: 'internal' } }), /rule_source is not a property/);
  });

  test('schedules leave no gaps: each rule looks back at least its interval, and at least its window', () => {
    const windows = new Map(catalogue.map((r) => [r.id, spanMs(r.window)]));
    for (const rule of rules) {
      assert.match(rule.from, DATE_MATH);
      const lookback = spanMs(rule.from);
      const interval = spanMs(rule.interval);
      assert.ok(lookback >= interval, `${rule.rule_id}: looks back ${rule.from} but runs every ${rule.interval}`);
      const window = windows.get(rule.meta.aisec_rule_id)!;
      if (rule.type === 'threshold') assert.ok(lookback >= window, `${rule.rule_id}: a threshold must see its whole window`);
      if (rule.type === 'eql') assert.ok(lookback >= window + interval, `${rule.rule_id}: a sequence started a window before a run must still be seen`);
    }
  });

  test('severity and risk score follow seed 004’s ladder on Kibana’s risk bands', () => {
    // seed 004: Low = Informational, Medium = Warning, High = Alert, Critical = Incident; Kibana has the same four
    for (const rule of rules) {
      const [low, high] = RISK_BANDS[rule.severity]!;
      assert.ok(rule.risk_score >= low && rule.risk_score <= high, `${rule.rule_id}: risk ${rule.risk_score} outside the ${rule.severity} band`);
      const ours = catalogue.find((r) => r.id === rule.meta.aisec_rule_id)!;
      if (!rule.rule_id.endsWith('.high') && !rule.rule_id.endsWith('.critical')) assert.equal(rule.severity, ours.severity === 'info' ? 'low' : ours.severity, rule.rule_id);
    }
  });

  test('a severity ladder becomes one rule per step, counts as Kibana counts them (≥), our rule id kept', () => {
    // seed 001 §1 / config: more than 3 attempts in 15m medium, more than 5 high, more than 10 critical
    const steps = ['prompt_injection_repeated', 'prompt_injection_repeated.high', 'prompt_injection_repeated.critical'].map(byId);
    assert.deepEqual(
      steps.map((r) => [r.severity, r.risk_score, r.threshold?.value, r.threshold?.field, r.from, r.type, r.query]),
      [
        ['medium', 47, 4, ['user_id', 'src_ip'], 'now-900s', 'threshold', 'category:"prompt_attack"'],
        ['high', 73, 6, ['user_id', 'src_ip'], 'now-900s', 'threshold', 'category:"prompt_attack"'],
        ['critical', 99, 11, ['user_id', 'src_ip'], 'now-900s', 'threshold', 'category:"prompt_attack"'],
      ],
    );
    for (const r of steps) assert.equal(r.meta.aisec_rule_id, 'prompt_injection_repeated');
    // more than 5 distinct models in 10m: a cardinality of at least 6
    assert.deepEqual(byId('model_enumeration.models').threshold, { field: ['user_id'], value: 1, cardinality: [{ field: 'model', value: 6 }] });
  });

  test('sequences are EQL sequences, first-seen rules are new-terms rules', () => {
    const sequence = byId('injection_then_exfil');
    assert.equal(sequence.type, 'eql');
    assert.equal(sequence.query, 'sequence by user_id with maxspan=30m\n  [any where category == "prompt_attack"]\n  [any where tokens_out > 5000]');
    const newTerms = byId('new_model_first_seen');
    assert.equal(newTerms.type, 'new_terms');
    assert.deepEqual(newTerms.new_terms_fields, ['model']);
    assert.equal(newTerms.history_window_start, 'now-90d');
    assert.match(newTerms.query, /^model:\* and not model:\("claude-sonnet-4-5-20250929" or /);
  });

  test('MITRE ATLAS goes in threat, sub-techniques under their technique', () => {
    for (const rule of rules) {
      const ours = catalogue.find((r) => r.id === rule.meta.aisec_rule_id)!;
      const listed = rule.threat.flatMap((t) => t.technique.flatMap((tech) => [tech.id, ...(tech.subtechnique ?? []).map((s) => s.id)]));
      for (const id of ours.tags.atlas) assert.ok(listed.includes(id), `${rule.rule_id}: ${id} missing from threat`);
      for (const t of rule.threat) assert.equal(t.framework, 'MITRE ATLAS');
    }
    const direct = rules.find((r) => catalogue.find((c) => c.id === r.meta.aisec_rule_id)?.tags.atlas.includes('AML.T0051.000'));
    assert.ok(direct, 'a rule tagged AML.T0051.000 is exported');
    const injection = direct.threat.find((t) => t.tactic.id === 'AML.TA0005')!;
    assert.deepEqual(injection.technique.find((t) => t.id === 'AML.T0051')?.subtechnique?.map((s) => s.id), ['AML.T0051.000']);
  });

  test('every catalogue rule is exported or named as not exported, and rules read this deployment’s events', () => {
    const exported = new Set(rules.map((r) => r.meta.aisec_rule_id));
    for (const rule of catalogue) assert.ok(exported.has(rule.id) || notExported.some((n) => n.split('/')[0] === rule.id), `${rule.id} neither exported nor listed`);
    assert.ok(notExported.includes('judge_drift'), 'drift rules cannot be expressed');
    assert.ok(notExported.includes('off_hours_geo_shift/off_hours_volume'), 'business-hours conditions cannot be expressed');
    for (const rule of rules) assert.deepEqual(rule.index, [`${service.prefix}-events*`]);
  });

  test('Lucene queries parse in Elasticsearch', async () => {
    const lucene = rules.filter((r) => r.language === 'lucene');
    assert.ok(lucene.length > 0);
    // one stored event creates the events data stream, so the queries are parsed against its real mapping
    const stored = await service.request('ingest', {
      method: 'POST',
      url: '/v1/events?refresh=true',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ timestamp: '2026-02-11T14:30:00Z', category: 'request', output_text: 'hello' }),
    });
    assert.equal(stored.statusCode, 200);
    for (const rule of lucene) {
      const result = await service.es.indices.validateQuery({ index: `${service.prefix}-events`, explain: true, query: { query_string: { query: rule.query } } });
      assert.equal(result.valid, true, `${rule.rule_id}: ${JSON.stringify(result.explanations ?? result.error)}`);
    }
  });
});

describe('aisec content-pack --format kibana', () => {
  test('prints the same NDJSON as the API', async () => {
    const base = await service.app.listen({ port: 0, host: '127.0.0.1' });
    const run = await aisec(['content-pack', '--format', 'kibana'], { AISEC_URL: base, AISEC_API_KEY: KEYS.read });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.split('\n').filter(Boolean), lines);
  });
});
