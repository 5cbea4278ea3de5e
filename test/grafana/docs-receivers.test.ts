/**
 * docs/grafana.md's rule → receiver table is the on-call contract a reader relies on: it lists every rule of the
 * catalogue, and for each rung of the rule's severity ladder the receiver seed 004's mapping requires.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalogue } from '../../analytics-service/src/detection/catalogue.js';
import { loadDetectionConfig } from '../../analytics-service/src/detection/config-schema.js';
import { REPO_ROOT } from './provisioned.js';

/** Seed 004: Critical → Incident (page on-call), High → Alert (SOC on-call, 1 h), Medium → Warning (SOC channel, 4 h). */
const SEED_004_RECEIVER: Record<string, string> = { critical: 'aisec-pager', high: 'aisec-soc-oncall', medium: 'aisec-soc-channel' };

test('docs/grafana.md lists every catalogue rule with the receiver of each rung of its ladder', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/grafana.md'), 'utf8');
  const start = doc.indexOf('| rule | severity (ladder) | receiver |');
  assert.ok(start > 0, 'the table exists');
  const rows = doc.slice(start).split('\n\n')[0]!.split('\n').slice(2);
  const documented = new Map(rows.map((row) => [/^\| `([a-z_]+)`/.exec(row)?.[1] ?? row, row]));
  const catalogue = loadCatalogue(loadDetectionConfig());
  assert.deepEqual([...documented.keys()].sort(), catalogue.rules.map((r) => r.id).sort());
  for (const rule of catalogue.rules) {
    const row = documented.get(rule.id)!;
    for (const severity of [rule.severity, ...(rule.severity_ladder ?? []).map((s) => s.severity)]) {
      assert.ok(row.includes(`${severity} → \`${SEED_004_RECEIVER[severity]}\``), `${rule.id}: ${severity} → ${SEED_004_RECEIVER[severity]} in "${row}"`);
    }
  }
});
