/**
 * The generated Grafana files are current, every dashboard query is a valid target of the service's query API on
 * a provisioned datasource, and every alert rule reads real indices and fields of the mappings it queries.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { QUERY_KINDS, VALUE_FIELDS } from '../../analytics-service/src/query/kinds.js';
import { parseTarget } from '../../analytics-service/src/query/run-query.js';
import { fieldType } from '../../test/grafana/conformance/es-queries.js';
import type { AlertRule, EsQueryModel, ExpressionModel, RuleGroup } from '../src/alert-rule-model.js';
import { CONTAINER_DASHBOARDS_PATH, DASHBOARD, DATASOURCE, ES_DATASOURCE_INDEX, ES_DATASOURCE_TIME_FIELD, INDICES, PLUGIN } from '../src/constants.js';
import { DASHBOARDS_ROOT, renderAll, staleFiles } from '../src/generate.js';
import { LADDER, RUNBOOK } from '../src/ladder.js';

const read = (path: string) => readFileSync(resolve(DASHBOARDS_ROOT, path), 'utf8');
const readYaml = <T>(path: string): T => parse(read(path)) as T;
const files = renderAll();
const dashboardFiles = Object.keys(files).filter((p) => p.startsWith('json/'));

interface Target {
  refId?: string;
  datasource?: { type?: string; uid?: string };
  [key: string]: unknown;
}
interface Panel {
  id?: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  gridPos?: { x: number; y: number; w: number; h: number };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; datasource?: { uid?: string }; query?: { field?: string } }> };
  annotations: { list: Array<{ datasource?: { uid?: string }; target?: Target; builtIn?: number }> };
}

const provisioned = readYaml<{ datasources: Array<{ uid: string; type: string; jsonData: Record<string, unknown> }> }>('provisioning/datasources/aisec.yaml').datasources;
const provisionedUids = new Map(provisioned.map((d) => [d.uid, d]));
const CORE_PANELS = new Set(['timeseries', 'table', 'stat', 'bargauge', 'histogram', 'text', 'row', 'piechart', 'barchart', 'heatmap', 'gauge']);

test('committed dashboards and provisioning files are what the builders generate (npm run generate -w dashboards)', () => {
  assert.deepEqual(staleFiles(files), []);
});

describe('dashboards', () => {
  const boards = dashboardFiles.map((path) => ({ path, board: JSON.parse(read(path)) as Dashboard }));

  test('the four dashboards exist with their fixed uids', () => {
    assert.deepEqual(boards.map((b) => b.board.uid).sort(), Object.values(DASHBOARD).map((d) => d.uid).sort());
  });

  for (const { path, board } of boards) {
    test(`${path}: every panel is a known panel type and queries a provisioned datasource with a valid query kind`, () => {
      assert.ok(board.panels.length >= 5, 'has panels');
      for (const panel of board.panels) {
        const where = `${path} panel "${panel.title}"`;
        assert.ok(CORE_PANELS.has(panel.type) || panel.type === PLUGIN.panel, `${where}: unknown panel type ${panel.type}`);
        assert.ok(panel.gridPos && panel.gridPos.w > 0 && panel.gridPos.h > 0, `${where}: has a grid position`);
        if (panel.datasource) assert.ok(provisionedUids.has(panel.datasource.uid!), `${where}: datasource ${panel.datasource.uid} is provisioned`);
        assert.ok((panel.targets ?? []).length > 0, `${where}: has a query`);
        for (const target of panel.targets ?? []) {
          const uid = target.datasource?.uid ?? panel.datasource?.uid;
          const ds = provisionedUids.get(uid!);
          assert.ok(ds, `${where}: query datasource ${uid} is provisioned`);
          if (ds.type !== PLUGIN.datasource) continue;
          assert.ok(QUERY_KINDS.includes(target.kind as never), `${where}: kind ${String(target.kind)} is a kind of the query API`);
          const { datasource: _ds, ...apiTarget } = target;
          assert.doesNotThrow(() => parseTarget({ refId: 'A', ...apiTarget }), `${where}: the service accepts ${JSON.stringify(apiTarget)}`);
        }
      }
    });

    test(`${path}: variables and annotations use provisioned datasources and valid queries`, () => {
      for (const variable of board.templating.list) {
        assert.ok(provisionedUids.has(variable.datasource?.uid ?? ''), `variable ${variable.name}: datasource provisioned`);
        assert.ok(VALUE_FIELDS.includes(variable.query?.field as never), `variable ${variable.name}: field ${variable.query?.field} is listable`);
      }
      for (const annotation of board.annotations.list.filter((a) => !a.builtIn)) {
        assert.equal(annotation.datasource?.uid, DATASOURCE.aisec.uid);
        assert.doesNotThrow(() => parseTarget({ ...annotation.target!, refId: 'Anno' }));
      }
    });
  }

  test('the UEBA drill-down takes the user variable that the other dashboards link with', () => {
    const ueba = boards.find((b) => b.board.uid === DASHBOARD.ueba.uid)!.board;
    assert.ok(ueba.templating.list.some((v) => v.name === 'user'));
    const soc = read('json/soc-overview.json');
    assert.match(soc, new RegExp(`/d/${DASHBOARD.ueba.uid}/${DASHBOARD.ueba.slug}\\?var-user=`));
  });

  test('seed 001 panels 1–5 and open alerts by severity are on the SOC overview', () => {
    const soc = boards.find((b) => b.board.uid === DASHBOARD.soc.uid)!.board;
    const kinds = new Set(soc.panels.flatMap((p) => (p.targets ?? []).map((t) => t.kind)));
    for (const kind of ['event_volume', 'top_users', 'guardrail_effectiveness', 'risk_matrix', 'judge_score_distribution', 'alert_summary']) assert.ok(kinds.has(kind), kind);
    assert.ok(soc.panels.some((p) => p.type === PLUGIN.panel));
  });
});

describe('provisioning', () => {
  const pluginJson = (path: string) => JSON.parse(readFileSync(resolve(DASHBOARDS_ROOT, '../grafana-plugin/src', path), 'utf8'));

  test('our datasource and app are the plugin ids the plugin declares; the key comes from the environment', () => {
    assert.equal(pluginJson('plugin.json').id, PLUGIN.app);
    assert.equal(pluginJson('datasource/plugin.json').id, PLUGIN.datasource);
    assert.equal(pluginJson('panel/plugin.json').id, PLUGIN.panel);
    const ours = provisionedUids.get(DATASOURCE.aisec.uid)!;
    assert.equal(ours.type, PLUGIN.datasource);
    assert.match(read('provisioning/datasources/aisec.yaml'), /apiKey: \$\{AISEC_GRAFANA_API_KEY\}/);
    assert.deepEqual(readYaml<{ apps: Array<{ type: string }> }>('provisioning/plugins/aisec.yaml').apps.map((a) => a.type), [PLUGIN.app]);
  });

  test('Elasticsearch datasources point at the alerts, baselines, metrics and events indices; alerts page by created_at, risk by risk_updated_at', () => {
    for (const [uid, index] of Object.entries(ES_DATASOURCE_INDEX)) {
      const ds = provisionedUids.get(uid)!;
      assert.equal(ds.type, 'elasticsearch');
      assert.equal(ds.jsonData.index, index);
      assert.equal(ds.jsonData.timeField, ES_DATASOURCE_TIME_FIELD[uid]);
    }
    assert.equal(provisionedUids.get(DATASOURCE.alerts.uid)!.jsonData.timeField, 'created_at');
    assert.equal(provisionedUids.get(DATASOURCE.baselines.uid)!.jsonData.timeField, 'risk_updated_at');
    assert.deepEqual(Object.values(ES_DATASOURCE_INDEX).sort(), [INDICES.alerts, INDICES.baselines, INDICES.events, INDICES.metrics].sort());
  });

  test('the dashboard provider reads the container path docker-compose mounts dashboards/json at', () => {
    const providers = readYaml<{ providers: Array<{ options: { path: string } }> }>('provisioning/dashboards/aisec.yaml').providers;
    assert.deepEqual(providers.map((p) => p.options.path), [CONTAINER_DASHBOARDS_PATH]);
  });
});

describe('alert rules', () => {
  const groups = readYaml<{ apiVersion: number; groups: RuleGroup[] }>('provisioning/alerting/rules.yaml');
  const rules: AlertRule[] = groups.groups.flatMap((g) => g.rules);
  const boardsByUid = new Map(dashboardFiles.map((path) => JSON.parse(read(path)) as Dashboard).map((b) => [b.uid, b]));
  const AGGREGATABLE = new Set(['keyword', 'long', 'integer', 'double', 'boolean', 'ip', 'date']);
  test('file provisioning format with the rules that page on-call', () => {
    assert.equal(groups.apiVersion, 1);
    assert.deepEqual(rules.map((r) => r.uid).sort(), ['aisec-alert-open', 'aisec-entity-risk']);
    assert.equal(new Set(rules.map((r) => r.uid)).size, rules.length);
  });

  for (const rule of rules) {
    test(`${rule.uid}: A queries a real index and real fields, grouped by terms only (one table row per group); B reduces A; C thresholds B`, () => {
      const [a, b, c] = rule.data;
      assert.deepEqual(rule.data.map((d) => d.refId), ['A', 'B', 'C']);
      assert.equal(rule.condition, 'C');
      const index = ES_DATASOURCE_INDEX[a!.datasourceUid];
      assert.ok(index, `A uses a provisioned Elasticsearch datasource (${a!.datasourceUid})`);
      assert.equal(provisionedUids.get(a!.datasourceUid)?.type, 'elasticsearch');
      const model = a!.model as EsQueryModel;
      assert.equal(fieldType(index, model.timeField), 'date');
      const queryFields = [...model.query.matchAll(/([A-Za-z_@][\w.]*):/g)].map((m) => m[1]!);
      assert.ok(queryFields.length > 0);
      for (const f of queryFields) assert.ok(fieldType(index, f), `query field ${f} is mapped in ${index}`);
      const aggs = model.bucketAggs;
      assert.ok(aggs.length >= 1 && aggs.every((x) => x.type === 'terms'), 'terms group-by only');
      for (const agg of aggs) assert.ok(AGGREGATABLE.has(fieldType(index, agg.field) ?? ''), `${agg.field} is aggregatable in ${index}`);
      for (const metric of model.metrics) if (metric.field) assert.ok(['double', 'long', 'integer'].includes(fieldType(index, metric.field) ?? ''), `${metric.field} is numeric`);
      const expression = (m: unknown) => m as ExpressionModel;
      assert.deepEqual([expression(b!.model).type, expression(b!.model).expression], ['reduce', 'A']);
      assert.deepEqual([expression(c!.model).type, expression(c!.model).expression], ['threshold', 'B']);
      assert.ok(expression(c!.model).conditions?.[0]?.evaluator.params.length === 1);
    });

    test(`${rule.uid}: carries a severity on the ladder (static, or per instance from the terms on severity), the runbook, and a link to a real panel`, () => {
      const model = rule.data[0]!.model as EsQueryModel;
      const perInstance = model.bucketAggs.some((a) => a.field === 'severity');
      assert.notEqual(perInstance, 'severity' in rule.labels, 'severity comes from exactly one place');
      if (!perInstance) assert.ok(LADDER[rule.labels.severity as keyof typeof LADDER], `severity ${rule.labels.severity} is on the ladder`);
      assert.ok(rule.annotations.runbook && rule.annotations.runbook.length > 80);
      for (const rung of Object.values(LADDER)) if (perInstance || rung === LADDER[rule.labels.severity as keyof typeof LADDER]) assert.ok(rule.annotations.sla!.includes(rung.sla), rung.sla);
      const board = boardsByUid.get(rule.annotations.__dashboardUid__!);
      assert.ok(board, `dashboard ${rule.annotations.__dashboardUid__} exists`);
      assert.ok(board.panels.some((p) => String(p.id) === rule.annotations.__panelId__), `panel ${rule.annotations.__panelId__} exists in ${board.uid}`);
    });
  }

  test('runbooks carry seed 004’s triage text', () => {
    assert.match(RUNBOOK.promptAttack, /Do NOT attempt to reproduce the attack in production/);
    assert.match(RUNBOOK.judgeDrift, /AI team \+ vendor liaison/);
  });

  test('the notification policy sends critical to the pager, high to SOC on-call, medium to the SOC channel', () => {
    const points = readYaml<{ contactPoints: Array<{ name: string; receivers: Array<{ type: string; settings: { url: string } }> }> }>('provisioning/alerting/contact-points.yaml').contactPoints;
    const names = new Set(points.map((p) => p.name));
    for (const p of points) assert.match(p.receivers[0]!.settings.url, /^\$\{AISEC_[A-Z_]+_WEBHOOK_URL\}$/);
    const [policy] = readYaml<{ policies: Array<{ receiver: string; routes: Array<{ receiver: string; object_matchers: string[][] }> }> }>('provisioning/alerting/policies.yaml').policies;
    assert.ok(names.has(policy!.receiver));
    const routeFor = (severity: string) => policy!.routes.find((r) => r.object_matchers.some(([l, op, v]) => l === 'severity' && op === '=' && v === severity))?.receiver;
    assert.equal(routeFor('critical'), 'aisec-pager');
    assert.equal(routeFor('high'), 'aisec-soc-oncall');
    assert.equal(routeFor('medium'), 'aisec-soc-channel');
    for (const r of policy!.routes) assert.ok(names.has(r.receiver), `${r.receiver} is a contact point`);
  });
});
