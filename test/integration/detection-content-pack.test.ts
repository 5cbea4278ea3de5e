/**
 * GET /v1/content-pack: SPL, KQL and Sigma generated from the rule catalogue. The Sigma pack is validated by
 * pySigma (test/python/validate_sigma.py): every rule and correlation rule parses and converts with the
 * Elasticsearch and Splunk backends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestService, type TestService } from '../support/service.js';

const validator = resolve(dirname(fileURLToPath(import.meta.url)), '../python/validate_sigma.py');
let service: TestService;
let ruleIds: string[];
before(async () => {
  service = await startTestService('detpack', { AISEC_DETECTION_STREAMING: 'false' });
  ruleIds = (await service.request('read', { method: 'GET', url: '/v1/rules' })).json().rules.map((r: { id: string }) => r.id);
});
after(async () => service.close());

const pack = (format: string, role: 'read' | null = 'read') => service.request(role, { method: 'GET', url: `/v1/content-pack?format=${format}` });

test('SPL and KQL carry every rule of the catalogue', async () => {
  for (const format of ['spl', 'kql']) {
    const response = await pack(format);
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /text\/plain/);
    for (const id of ruleIds) assert.ok(response.body.includes(` ${id}`), `${format} pack lacks ${id}`);
  }
  const spl = (await pack('spl')).body;
  assert.match(spl, /streamstats time_window=15m count AS observed BY user_id, src_ip/, 'threshold windows slide in SPL');
  assert.match(spl, /eval severity=case\(observed > 10, "critical", observed > 5, "high", true\(\), "medium"\)/);
  assert.match(spl, /transaction user_id maxspan=30m/);
  const kql = (await pack('kql')).body;
  assert.match(kql, /AISecurity_CL\n\| where category_s == "prompt_attack"/);
  assert.match(kql, /judge_score_d > 0.8/);
});

test('the Sigma pack parses and converts with pySigma for Elasticsearch and Splunk', async (t) => {
  const response = await pack('sigma');
  assert.equal(response.statusCode, 200);
  const dir = mkdtempSync(join(tmpdir(), 'aisec-sigma-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'aisec-content-pack.yml'), response.body);
  const run = spawnSync('python3', [validator, dir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.error, undefined, `cannot run python3: ${run.error?.message} (pip install -r test/requirements.txt)`);
  assert.ok(run.stdout.trim().startsWith('{'), `validator output: ${run.stdout}\n${run.stderr}`);
  const report = JSON.parse(run.stdout) as { rules: number; correlations: number; failures: unknown[]; conversions: Record<string, { splunk: string[]; elasticsearch: string[] }> };
  assert.deepEqual(report.failures, []);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(report.rules >= 20, `only ${report.rules} base rules`);
  assert.ok(report.correlations >= 20, `only ${report.correlations} correlation rules`);
  // thresholds become event_count / value_count correlations, the ladder one correlation per step
  const conversions = report.conversions;
  assert.match(conversions.prompt_injection_repeated_attempts_correlation!.splunk[0]!, /event_count > 3/);
  assert.match(conversions.prompt_injection_repeated_attempts_correlation_critical!.splunk[0]!, /event_count > 10/);
  assert.match(conversions.model_enumeration_models_correlation!.splunk[0]!, /dc\(model\)/);
  assert.match(conversions.injection_then_exfil_sequence!.elasticsearch[0]!, /^sequence by user_id with maxspan=30m/);
  // ATLAS ids travel in the description and a custom attribute
  assert.match(response.body, /MITRE ATLAS: AML\.T0051/);
  assert.match(response.body, /atlas:\n\s+- AML\.T0051/);
});

test('the content pack needs a key and a known format', async () => {
  assert.equal((await pack('spl', null)).statusCode, 401);
  assert.equal((await pack('csv')).statusCode, 400);
  const unknown = await service.request('read', { method: 'GET', url: '/v1/content-pack?format=spl&rules=no_such_rule' });
  assert.equal(unknown.statusCode, 400);
  const one = await service.request('read', { method: 'GET', url: '/v1/content-pack?format=kql&rules=guardrail_bypass' });
  assert.equal(one.statusCode, 200);
  assert.ok(one.body.includes('guardrail_bypass') && !one.body.includes('judge_drift'));
});
