/**
 * Each defect issue 11 found in the shipped Grafana files, put back into a copy of today's files: the conformance
 * check that guards it must report it. (The same defects were also reintroduced in the generated files on disk
 * and watched turning conformance.test.ts red; the closing note of issue 11 records that run.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkById } from './conformance/index.js';
import { allRules, esQueries, loadProvisioned, type Provisioned } from './provisioned.js';

const pristine = loadProvisioned();
const mutated = (mutate: (p: Provisioned) => void): Provisioned => {
  const copy = structuredClone(pristine);
  mutate(copy);
  return copy;
};
const pagingRule = (p: Provisioned) => allRules(p).find(({ rule }) => rule.uid === 'aisec-alert-open')!.rule;
const datasource = (p: Provisioned, uid: string) => p.datasources.datasources.find((d) => d.uid === uid)!;

const DEFECTS: Array<{ defect: string; check: string; mutate: (p: Provisioned) => void }> = [
  {
    defect: '1. __dashboardUid__ without __panelId__ (Grafana exits at startup)',
    check: 'rule-dashboard-panel-annotations',
    mutate: (p) => allRules(p).forEach(({ rule }) => delete rule.annotations!.__panelId__),
  },
  {
    defect: '2. dashboard provider asks for folderUid aisec while alerting creates "AI Security" by title (dashboards skipped)',
    check: 'dashboard-folder-shared-with-alerting',
    mutate: (p) => (p.providers.providers[0]!.folderUid = 'aisec'),
  },
  {
    defect: '3. alerts grouped by rule_id and user_id (agent_id/session_id/src_ip alerts never page)',
    check: 'paging-one-instance-per-alert',
    mutate: (p) => {
      const model = esQueries(pagingRule(p))[0]!.model;
      model.bucketAggs = [
        { type: 'terms', id: '2', field: 'rule_id', settings: { size: '50', order: 'desc', orderBy: '_count', min_doc_count: '1' } },
        { type: 'terms', id: '3', field: 'user_id', settings: { size: '50', order: 'desc', orderBy: '_count', min_doc_count: '1' } },
      ];
    },
  },
  {
    defect: '4a. alerts read by @timestamp, the episode start (pages resolve by the clock, retro-hunt alerts never page)',
    check: 'paging-clocks',
    mutate: (p) => {
      datasource(p, 'aisec-es-alerts').jsonData!.timeField = '@timestamp';
      esQueries(pagingRule(p))[0]!.model.timeField = '@timestamp';
    },
  },
  {
    defect: '4a′. the model says @timestamp while the datasource filters on created_at',
    check: 'es-time-field',
    mutate: (p) => (esQueries(pagingRule(p))[0]!.model.timeField = '@timestamp'),
  },
  {
    defect: '4b. user risk read by the baseline @timestamp, which risk refreshes do not move',
    check: 'paging-clocks',
    mutate: (p) => (datasource(p, 'aisec-es-baselines').jsonData!.timeField = '@timestamp'),
  },
  {
    defect: '4c. a filter on the status "resolved", which does not exist',
    check: 'paging-query-values',
    mutate: (p) => (esQueries(pagingRule(p))[0]!.model.query = 'NOT status:(closed OR resolved)'),
  },
  {
    defect: '4d. a static severity label on the paging rule hides each alert\'s severity',
    check: 'labels-not-overridden',
    mutate: (p) => (pagingRule(p).labels = { ...pagingRule(p).labels, severity: 'critical' }),
  },
  {
    defect: '4e. a date histogram after the terms (time series instead of one number per alert)',
    check: 'es-number-table',
    mutate: (p) => esQueries(pagingRule(p))[0]!.model.bucketAggs!.push({ type: 'date_histogram', id: '9', field: 'created_at', settings: { interval: '1m' } }),
  },
  {
    defect: '5. the plugin mounted from the host build output (an unbuilt plugin stops Grafana)',
    check: 'plugins-provisioning-installed',
    mutate: (p) => {
      const grafana = p.compose.services.grafana!;
      grafana.volumes = grafana.volumes!.map((v) => (v.endsWith(':/var/lib/grafana/plugins/aisec-soc-app:ro') ? './grafana-plugin/dist:/var/lib/grafana/plugins/aisec-soc-app:ro' : v));
    },
  },
  {
    defect: '5′. Grafana not waiting for the plugin build to complete',
    check: 'plugins-provisioning-installed',
    mutate: (p) => {
      const deps = p.compose.services.grafana!.depends_on as Record<string, { condition?: string }>;
      delete deps['grafana-plugin'];
    },
  },
  {
    defect: '6. dashboards editable while the provider forbids UI updates (every save fails)',
    check: 'dashboards-read-only-when-provider-forbids-ui-updates',
    mutate: (p) => Object.values(p.dashboards).forEach((d) => (d.editable = true)),
  },
];

test('the files as shipped pass every check the defects are reintroduced against', () => {
  for (const { check } of DEFECTS) assert.deepEqual(checkById(check).run(pristine), [], check);
});

for (const { defect, check, mutate } of DEFECTS) {
  test(`defect ${defect} → check ${check} fails`, () => {
    const problems = checkById(check).run(mutated(mutate));
    assert.ok(problems.length > 0, `${check} did not notice`);
  });
}
