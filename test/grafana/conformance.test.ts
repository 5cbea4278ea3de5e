/**
 * Grafana conformance: every file this repository provisions into Grafana passes the checks Grafana performs when
 * it loads and evaluates it (read in Grafana's source for the release docker-compose.yml pins; each test names the
 * file and function it mirrors). No Grafana can run here, so a file that would stop Grafana from starting, hide a
 * dashboard or keep an alert from paging fails here instead. conformance-mutations.test.ts proves each check
 * catches the defect it guards.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKS } from './conformance/index.js';
import { GRAFANA_VERSION, loadProvisioned } from './provisioned.js';

const provisioned = loadProvisioned();

test(`docker-compose.yml runs the Grafana release these checks were read against (${GRAFANA_VERSION}.x)`, () => {
  assert.match(provisioned.compose.services.grafana?.image ?? '', new RegExp(`^grafana/grafana:${GRAFANA_VERSION.replace('.', '\\.')}\\.\\d+$`));
});

for (const [kind, checks] of Object.entries(CHECKS)) {
  describe(kind, () => {
    for (const check of checks) {
      test(`${check.id} — mirrors ${check.mirrors}`, () => {
        assert.deepEqual(check.run(provisioned), [], `otherwise: ${check.consequence}`);
      });
    }
  });
}
