/**
 * Every rule of the catalogue against real Elasticsearch: positive, just-under-threshold negative and
 * window-boundary cases (detection-rule-cases.ts), each evaluated by a retro-hunt of that rule over its own
 * slot of event time; then the same hunts again, which must create and update nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadCatalogue } from '../../analytics-service/src/detection/catalogue.js';
import { loadDetectionConfig } from '../../analytics-service/src/detection/config-schema.js';
import { postEvents, startTestService, type TestService } from '../support/service.js';
import { RULE_CASES, type RuleCase } from './detection-rule-cases.js';
import { DAY_MS as DAY } from '../../cli/src/time.js';

const RULES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../analytics-service/rules');
const SLOT0 = Date.UTC(2015, 0, 1);
const slotStart = (i: number) => SLOT0 + i * 40 * DAY;
/** entity values kept as written because configuration lists name them */
const KEEP = new Set(['support-agent', 'research-agent', 'gpt-4o', 'gpt-4o-mini', 'ib-research-ft', 'retail-assist-ft']);
const SUFFIXED = ['user_id', 'endpoint', 'session_id', 'judge_model', 'model', 'agent_id'];

function toEvents(c: RuleCase, i: number): Array<Record<string, unknown>> {
  return c.events.map(({ at, ...fields }, j) => {
    const match = /^D(-?\d+) (\d\d):(\d\d)(?::(\d\d))?$/.exec(at);
    if (!match) throw new Error(`bad time ${at}`);
    const [, day, h, m, s = '0'] = match;
    const t = slotStart(i) + Number(day) * DAY + (Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000;
    const event: Record<string, unknown> = { ...fields, timestamp: new Date(t).toISOString(), event_id: `case${i}-${j}` };
    for (const f of SUFFIXED) if (typeof event[f] === 'string' && !KEEP.has(event[f] as string)) event[f] = `${event[f]}-c${i}`;
    return event;
  });
}

let service: TestService;
before(async () => {
  service = await startTestService('detrules', { AISEC_DETECTION_STREAMING: 'false' });
  const events = RULE_CASES.flatMap((c, i) => toEvents(c, i));
  for (let i = 0; i < events.length; i += 2000) {
    const response = await postEvents(service, events.slice(i, i + 2000));
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().rejected, 0, response.body);
  }
});
after(async () => service.close());

async function hunt(c: RuleCase, i: number) {
  const response = await service.request('admin', {
    method: 'POST',
    url: '/v1/detections/run',
    payload: { from: new Date(slotStart(i)).toISOString(), to: new Date(slotStart(i) + 2 * DAY).toISOString(), rules: [c.rule] },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { created: number; updated: number; unchanged: number };
}

async function alertsOf(c: RuleCase, i: number) {
  const from = new Date(slotStart(i) - DAY).toISOString();
  const to = new Date(slotStart(i) + 3 * DAY).toISOString();
  const response = await service.request('read', { method: 'GET', url: `/v1/alerts?rule_id=${c.rule}&from=${from}&to=${to}` });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { alerts: Array<Record<string, unknown>>; total: number };
}

describe('rule cases', () => {
  RULE_CASES.forEach((c, i) => {
    test(`${c.rule} — ${c.kind}: ${c.name}`, async () => {
      const result = await hunt(c, i);
      const { alerts, total } = await alertsOf(c, i);
      assert.equal(total, c.alerts, `alerts: ${JSON.stringify(alerts.map((a) => ({ w: [a.window_start, a.window_end], o: a.observed, s: a.signal })))}`);
      assert.equal(result.created, c.alerts);
      for (const [field, value] of Object.entries(c.expect ?? {})) assert.equal(alerts[0]?.[field], value, `${field} of ${JSON.stringify(alerts[0])}`);
      if (c.flags) assert.deepEqual((alerts[0]?.explanation as { flags?: string[] } | undefined)?.flags, c.flags);
      for (const alert of alerts) {
        assert.match(String(alert.id), /^[0-9a-f]{64}$/);
        assert.ok((alert.event_ids as string[]).length >= 1 && (alert.event_ids as string[]).length <= 50);
        assert.ok((alert.tags as string[]).length > 0);
        assert.equal(alert.status, 'open');
      }
    });
  });

  test('running every hunt again creates and updates nothing', async () => {
    let created = 0;
    let updated = 0;
    for (const [i, c] of RULE_CASES.entries()) {
      const result = await hunt(c, i);
      created += result.created;
      updated += result.updated;
    }
    assert.equal(created, 0);
    assert.equal(updated, 0);
  });
});

/** The rule files themselves, read with a YAML parser and not the service's loader: what a reviewer sees. */
function rulesOnDisk(): Array<{ id: string; type: string; file: string }> {
  return readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((file) => {
      const doc = parse(readFileSync(join(RULES_DIR, file), 'utf8')) as { id?: unknown; type?: unknown };
      assert.equal(typeof doc.id, 'string', `${file} has an id`);
      assert.equal(typeof doc.type, 'string', `${file} has a type`);
      return { id: doc.id as string, type: doc.type as string, file };
    });
}

test('every rule file of the catalogue has positive, negative and boundary cases, and the service loads each', () => {
  const onDisk = rulesOnDisk();
  assert.ok(onDisk.length > 0, `rule files in ${RULES_DIR}`);
  for (const rule of onDisk) {
    // ueba rules score against stored baselines (a rebuild first): test/integration/ueba-*.test.ts covers them
    if (rule.type === 'ueba') continue;
    for (const kind of ['positive', 'negative', 'boundary'] as const) {
      assert.ok(RULE_CASES.some((c) => c.rule === rule.id && c.kind === kind), `${rule.id} (${rule.file}) has no ${kind} case`);
    }
  }
  const ids = new Set(onDisk.map((r) => r.id));
  for (const c of RULE_CASES) assert.ok(ids.has(c.rule), `case for a rule no file defines: ${c.rule}`);
  const catalogue = loadCatalogue(loadDetectionConfig());
  assert.deepEqual(catalogue.rules.map((r) => r.id).sort(), [...ids].sort(), 'the service loads exactly the rule files');
});
