/**
 * Walks the whole rule catalogue the way a reviewer would: schema, unique ids and titles, valid severities and
 * ladders, tags present and well-formed, windows sane, config tunables all used, seed sources named; plus the
 * loader's errors for bad rules and configs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEVERITIES, severityRank } from '../src/contract/event-schema.js';
import { DEFAULT_RULES_DIR, loadCatalogue } from '../src/detection/catalogue.js';
import { loadDetectionConfig } from '../src/detection/config-schema.js';
import { durationMs } from '../src/detection/duration.js';
import { escalationFor, severityFor } from '../src/detection/alert.js';
import { loadDetectionSettings } from '../src/detection/settings.js';
import { readEnv } from '../src/settings/read-env.js';

const catalogue = loadCatalogue(loadDetectionConfig());

/** The DESIGN.md catalogue, less the ueba_* rules that the UEBA work adds. */
const DESIGN_IDS = [
  'prompt_injection_repeated', 'judge_flag_burst', 'exfil_output_volume', 'agent_boundary_violation', 'guardrail_bypass', 'judge_drift',
  'credential_exposure', 'off_hours_geo_shift', 'injection_then_exfil', 'boundary_then_tool', 'guardrail_block_burst', 'judge_high_severity_burst',
  'tool_outside_allowlist', 'authority_impersonation_injection', 'unauthorized_tool_recipient', 'session_cost_anomaly', 'multi_turn_attack',
  'repeated_policy_violations', 'injection_from_known_bad_ip', 'new_model_first_seen', 'auth_failure_burst', 'model_enumeration',
  'sensitive_data_in_output', 'cross_department_access',
];

test('the catalogue is the design’s rules (plus ueba_*), one file each, ids and titles unique', () => {
  const isUeba = (id: string) => id.startsWith('ueba_');
  assert.deepEqual(catalogue.rules.map((r) => r.id).filter((id) => !isUeba(id)).sort(), [...DESIGN_IDS].sort());
  assert.equal(readdirSync(DEFAULT_RULES_DIR).filter((f) => f.endsWith('.yaml')).length, catalogue.rules.length);
  assert.equal(new Set(catalogue.rules.map((r) => r.title)).size, catalogue.rules.length);
});

test('severities are on the ladder and ladders only climb', () => {
  for (const rule of catalogue.rules) {
    assert.ok(SEVERITIES.includes(rule.severity), rule.id);
    let last = severityRank(rule.severity);
    for (const step of rule.severity_ladder ?? []) {
      assert.ok(severityRank(step.severity) > last, `${rule.id}: ladder step ${step.severity} does not climb`);
      last = severityRank(step.severity);
    }
  }
  const pir = catalogue.byId.get('prompt_injection_repeated')!;
  assert.deepEqual([3, 4, 5, 6, 10, 11].map((n) => severityFor(pir, n)), ['medium', 'medium', 'medium', 'high', 'high', 'critical']);
});

test('every rule carries ATLAS or OWASP tags, a seed source and a response', () => {
  for (const rule of catalogue.rules) {
    const tags = [...rule.tags.atlas, ...rule.tags.owasp_llm, ...rule.tags.owasp_agentic];
    assert.ok(tags.length >= 1, `${rule.id} has no tags`);
    if (DESIGN_IDS.includes(rule.id) && rule.type !== 'drift') assert.ok(rule.tags.atlas.length >= 1, `${rule.id} has no ATLAS technique`);
    assert.match(rule.source, /^seed 00[0-4]/);
    assert.ok(rule.response.length > 20, `${rule.id} response`);
  }
  const atlas = new Set(catalogue.rules.flatMap((r) => r.tags.atlas));
  for (const id of ['AML.T0051', 'AML.T0054', 'AML.T0024', 'AML.T0057', 'AML.T0053', 'AML.T0086', 'AML.T0034']) assert.ok(atlas.has(id), `${id} used by some rule`);
});

test('windows are sane: at least a minute, at most a month; baselines look back further than they alert', () => {
  for (const rule of catalogue.rules) {
    const window = durationMs(rule.window);
    assert.ok(window >= 60_000 && window <= 31 * 86_400_000, `${rule.id} window ${rule.window}`);
    if (rule.type === 'threshold') for (const s of rule.signals) assert.ok(s.threshold >= (s.operator === 'gte' ? 1 : 0), `${rule.id}/${s.name} threshold`);
    if (rule.type === 'new_terms') assert.ok(durationMs(rule.history) > window);
    if (rule.type === 'baseline_deviation') assert.ok(durationMs(rule.measure.baseline_window) >= 86_400_000);
    if (rule.type === 'drift') assert.ok(rule.min_trailing_days <= rule.trailing_days);
  }
});

test('seed 004 automated triggers escalate with the action the seed names', () => {
  const action = (id: string, severity = catalogue.byId.get(id)!.severity) => escalationFor(catalogue.byId.get(id)!, severity).recommended_action;
  assert.equal(action('guardrail_block_burst'), 'block_user');
  assert.equal(action('judge_high_severity_burst'), 'disable_feature_for_user');
  assert.equal(action('tool_outside_allowlist'), 'halt_agent');
  assert.equal(action('prompt_injection_repeated'), 'log_full_request');
  assert.equal(action('prompt_injection_repeated', 'critical'), 'block_user');
  assert.equal(escalationFor(catalogue.byId.get('judge_flag_burst')!, 'high').escalated, false);
});

test('the seeds’ numbers are the defaults', () => {
  const rules = loadDetectionConfig().rules;
  assert.deepEqual(rules.prompt_injection_repeated, { window: '15m', threshold: 3, high_above: 5, critical_above: 10 });
  assert.equal(rules.judge_flag_burst!.min_judge_score, 0.8);
  assert.equal(rules.guardrail_bypass!.min_judge_score, 0.9);
  assert.equal(rules.judge_drift!.max_abs_diff, 0.15);
  assert.equal(rules.guardrail_block_burst!.window, '5m');
  assert.equal(rules.injection_then_exfil!.min_tokens_out, 5000);
  assert.equal(rules.session_cost_anomaly!.factor, 10);
});

test('a deployment overrides thresholds and lists with AISEC_DETECTION_CONFIG', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aisec-det-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'override.yaml');
  writeFileSync(file, 'timezone: Europe/London\nrules:\n  prompt_injection_repeated: { threshold: 5 }\n  judge_drift: { enabled: false }\nlists:\n  allowed_email_domains: [corp.example]\n');
  const config = loadDetectionConfig(file);
  const overridden = loadCatalogue(config);
  const pir = overridden.byId.get('prompt_injection_repeated')!;
  assert.equal(pir.type === 'threshold' && pir.signals[0]!.threshold, 5);
  assert.equal(pir.window, '15m', 'untouched tunables keep their defaults');
  assert.equal(overridden.byId.get('judge_drift')!.enabled, false);
  assert.equal(config.timezone, 'Europe/London');
  const recipient = JSON.stringify(overridden.byId.get('unauthorized_tool_recipient'));
  assert.ok(recipient.includes('corp.example') && !recipient.includes('"example.com"'), 'lists are replaced whole');
  assert.equal(loadDetectionSettings(readEnv({ AISEC_DETECTION_CONFIG: file })).configPath, file);
});

test('bad rules and configs are refused with the file, place and reason', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aisec-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const good = readFileSync(join(DEFAULT_RULES_DIR, 'guardrail_bypass.yaml'), 'utf8');
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  const config = loadDetectionConfig();
  const only = { ...config, rules: { guardrail_bypass: config.rules.guardrail_bypass! } };
  write('guardrail_bypass.yaml', good.replace('severity: critical', 'severity: urgent'));
  assert.throws(() => loadCatalogue(only, dir), /guardrail_bypass\.yaml is invalid at \/severity/);
  write('guardrail_bypass.yaml', good.replace('field: judge_score', 'field: judge_scor'));
  assert.throws(() => loadCatalogue(only, dir), /names "judge_scor", which is not an event contract field/);
  write('guardrail_bypass.yaml', good.replace('$rule.min_judge_score', '$rule.min_score'));
  assert.throws(() => loadCatalogue(only, dir), /\$rule\.min_score is not defined in the detection config/);
  write('guardrail_bypass.yaml', good);
  assert.throws(() => loadCatalogue({ ...only, rules: { ...only.rules, no_such_rule: {} } }, dir), /rules\.no_such_rule names no rule/);
  assert.throws(() => loadCatalogue({ ...only, rules: { guardrail_bypass: { ...only.rules.guardrail_bypass, spare: 1 } } }, dir), /guardrail_bypass\.spare is not used/);
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'business_hours: { start: "6am" }\n');
  assert.throws(() => loadDetectionConfig(file), /invalid at \/business_hours\/start/);
  assert.throws(() => loadDetectionSettings(readEnv({ AISEC_WEBHOOK_URLS: 'ftp://x' })), /http\(s\)/);
  assert.throws(() => loadDetectionSettings(readEnv({ AISEC_WEBHOOK_MIN_SEVERITY: 'urgent' })), /AISEC_WEBHOOK_MIN_SEVERITY/);
});
