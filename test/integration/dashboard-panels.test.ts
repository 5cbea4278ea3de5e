/**
 * Every provisioned dashboard, every panel, on demo traffic: each dashboard JSON of dashboards/json is opened in
 * headless Chromium by the plugin's dashboard harness (grafana-plugin/harness/dashboard.tsx) — variables resolved by
 * their own queries, each panel's targets sent through the plugin's DataSource and the data-proxy stand-in to the real
 * service over real Elasticsearch — and each panel's data, after its transformations and field config, must have the
 * shape its panel type needs (grafana-plugin/src/testing/panelShapes.ts, one rule per type citing Grafana's source);
 * the dashboards' annotation queries must give Grafana's annotation support a time and a text field.
 * Each dashboard is drawn and saved as dashboard-<uid>.png (see screenshotsDir).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import type { DashboardReport as DashboardState } from '../../grafana-plugin/src/testing/harnessReport.js';
import { KEYS, startTestService, type TestService } from '../support/service.js';
import { DEMO_NOW, seedDemoTraffic } from './dashboard-demo-data.js';
import { startHarnessServer, type HarnessServer } from './query-harness-server.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pluginDir = resolve(root, 'grafana-plugin');
const dashboardsDir = resolve(root, 'dashboards/json');
/**
 * Screenshots go to grafana-plugin/test-results/ (ignored by git): the demo range ends today, so every run draws new
 * dates. AISEC_UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/ instead, to refresh the committed ones.
 */
const screenshotsDir = process.env.AISEC_UPDATE_SCREENSHOTS === '1' ? resolve(root, 'docs/screenshots') : resolve(pluginDir, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WIDTH = 1600;

interface DashboardFile {
  file: string;
  uid: string;
  title: string;
  templating: { list: Array<{ name: string; query?: { field?: string }; current?: unknown }> };
  annotations?: { list: Array<{ name: string; builtIn?: number; datasource?: { uid?: string } }> };
  panels: Array<{ id: number; type: string; title: string }>;
}
const dashboards: DashboardFile[] = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, ...(JSON.parse(readFileSync(resolve(dashboardsDir, file), 'utf8')) as Omit<DashboardFile, 'file'>) }));

let service: TestService;
let harness: HarnessServer;
let browser: Browser;
let topUser: string;

function build(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [resolve(pluginDir, 'harness/build.mjs'), 'dashboard'], { cwd: pluginDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

/** The user the SOC drills into first: the top of the SOC overview's "Top users by alert count". */
async function topUserByAlerts(): Promise<string> {
  const response = await service.request('read', {
    method: 'POST',
    url: '/v1/query',
    payload: { range: { from: new Date(DEMO_NOW - 7 * 86_400_000).toISOString(), to: new Date(DEMO_NOW).toISOString() }, targets: [{ refId: 'A', kind: 'top_users', source: 'alerts', limit: 1 }] },
  });
  const frame = (JSON.parse(response.body) as { results: { A: { frames: Array<{ fields: Array<{ name: string; values: string[] }> }> } } }).results.A.frames[0];
  const user = frame?.fields.find((f) => f.name === 'user_id')?.values[0];
  assert.ok(user, `demo traffic raised alerts with a user: ${response.body}`);
  return user;
}

/** Open alerts of a severity in the last 7 days by the alerts API: an independent count for the SOC's severity stats. */
async function openAlerts(severity: string): Promise<number> {
  const query = { severity, status: 'open', from: new Date(DEMO_NOW - 7 * 86_400_000).toISOString(), to: new Date(DEMO_NOW).toISOString(), limit: '1' };
  const response = await service.request('read', { method: 'GET', url: '/v1/alerts', query });
  assert.equal(response.statusCode, 200, response.body);
  return (JSON.parse(response.body) as { total: number }).total;
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  const started = Date.now();
  mkdirSync(screenshotsDir, { recursive: true });
  service = await startTestService('dashboards', { AISEC_DETECTION_STREAMING: 'false' });
  const [demo, harnessBuild] = await Promise.all([seedDemoTraffic(service), build()]);
  assert.equal(harnessBuild.code, 0, `harness build failed:\n${harnessBuild.output}`);
  console.log(`# demo traffic: ${demo.events} events, ${demo.alerts} alerts from the retro-hunt; seeded and harness built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  topUser = await topUserByAlerts();
  const serviceUrl = await service.app.listen({ port: 0, host: '127.0.0.1' });
  harness = await startHarnessServer({ root: resolve(pluginDir, 'harness'), serviceUrl, apiKey: KEYS.read, mounts: { '/dashboards': dashboardsDir } });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
});

after(async () => {
  await browser?.close();
  await harness?.close();
  await service?.close();
});

describe('every dashboard panel gets data of the shape its visualization needs, on demo traffic', () => {
  test('the dashboards directory holds the provisioned dashboards', () => {
    assert.ok(dashboards.length >= 4, `dashboards found: ${dashboards.map((d) => d.file).join(', ')}`);
  });

  for (const dashboard of dashboards) {
    test(`${dashboard.title} (${dashboard.file}): every panel answered in shape, drawn and screenshotted`, async () => {
      const started = Date.now();
      // a variable without a current value opens on the URL's choice: the user the SOC would drill into
      const choices = dashboard.templating.list.filter((v) => !v.current && v.query?.field === 'user_id').map((v) => `&var-${v.name}=${encodeURIComponent(topUser)}`);
      const page = await browser.newPage({ viewport: { width: WIDTH + 32, height: 900 }, deviceScaleFactor: 1 });
      try {
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
        await page.goto(`${harness.url}/dashboard.html?file=${dashboard.file}&now=${DEMO_NOW}&theme=dark&width=${WIDTH}${choices.join('')}`);
        await page.waitForFunction(() => (window as unknown as { __dashboard?: { done: boolean } }).__dashboard?.done === true, undefined, { timeout: 120_000 });
        const state = (await page.evaluate(() => (window as unknown as { __dashboard: unknown }).__dashboard)) as DashboardState;
        assert.equal(state.error, undefined, `harness error: ${state.error}`);
        for (const panel of state.panels) {
          const frames = panel.frames.map((f) => `${f.name ?? '?'}[${f.length}](${f.fields.map((x) => `${x.name}:${x.type}`).join(',')})`).join(' ');
          console.log(`# ${dashboard.uid} #${panel.id} ${panel.type} "${panel.title}" maxDataPoints=${panel.maxDataPoints} interval=${panel.intervalMs}ms → ${frames}${panel.shown ? ` shows ${panel.shown.join(', ')}` : ''}`);
        }
        assert.deepEqual(errors, [], 'no error on the page');
        assert.equal(state.uid, dashboard.uid);
        assert.deepEqual(state.problems, [], 'template variables');
        assert.deepEqual(state.panels.map((p) => p.id), dashboard.panels.map((p) => p.id), 'every panel of the JSON was run');
        const annotationQueries = (dashboard.annotations?.list ?? []).filter((a) => !a.builtIn && a.datasource?.uid === 'aisec');
        assert.deepEqual(state.annotations.map((a) => a.name), annotationQueries.map((a) => a.name), 'every annotation query of the JSON was run');
        for (const a of state.annotations) console.log(`# ${dashboard.uid} annotations "${a.name}" → ${a.frames.map((f) => `${f.name ?? '?'}[${f.length}](${f.fields.map((x) => `${x.name}:${x.type}`).join(',')})`).join(' ')}`);
        assert.deepEqual(state.annotations.flatMap((a) => a.problems.map((p) => `${a.name}: ${p}`)), [], 'annotation queries give Grafana a time and a text field');

        // every panel is on the page, and uPlot has drawn each time series' canvas
        assert.equal(await page.locator('[data-testid="dashboard-panel"]').count(), dashboard.panels.length);
        const timeSeries = dashboard.panels.filter((p) => p.type === 'timeseries').length;
        await page.waitForFunction((n) => document.querySelectorAll('[data-testid="dashboard-panel"] canvas').length >= n, timeSeries, { timeout: 30_000 });
        await page.screenshot({ path: resolve(screenshotsDir, `dashboard-${dashboard.uid}.png`), fullPage: true });

        const wrong = state.panels.filter((p) => p.problems.length > 0).map((p) => `#${p.id} ${p.type} "${p.title}": ${p.problems.join('; ')}`);
        assert.deepEqual(wrong, [], `panels whose data does not fit their visualization:\n${wrong.join('\n')}`);

        // spot check of values, not only shapes: the SOC's open-alert stats show what the alerts API counts
        const bySeverity = state.panels.find((p) => p.title === 'Open alerts by severity');
        if (bySeverity) {
          const expected = [`Critical=${await openAlerts('critical')}`, `High=${await openAlerts('high')}`, `Medium=${await openAlerts('medium')}`];
          assert.deepEqual(bySeverity.shown, expected, 'open alerts by severity, as the alerts API counts them');
        }
        console.log(`# ${dashboard.uid}: ${state.panels.length} panels in shape (variables ${JSON.stringify(state.variables)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } finally {
        await page.close();
      }
    });
  }
});
