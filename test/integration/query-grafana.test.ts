/**
 * The Grafana plugin against the real service and real Elasticsearch, the way Grafana runs it:
 *  1. the datasource's jest suite (src/datasource/datasource.service.test.ts) queries the service over HTTP;
 *  2. a harness page built from the plugin's own code renders the SOC matrix panel and datasource results in
 *     headless Chromium, light and dark, with screenshots saved under grafana-plugin/test-results/.
 * The service listens on a real port; the harness server plays Grafana's data proxy (adds the Bearer key).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEYS, startTestService, type TestService } from '../support/service.js';
import { END, FIXTURE_SERVICE_ENV, START, seedQueryFixtures } from './query-fixtures.js';
import { startHarnessServer, type HarnessServer } from './query-harness-server.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pluginDir = resolve(root, 'grafana-plugin');
const resultsDir = resolve(pluginDir, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let service: TestService;
let serviceUrl: string;
before(async () => {
  service = await startTestService('grafana', FIXTURE_SERVICE_ENV);
  await seedQueryFixtures(service);
  serviceUrl = await service.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => service.close());

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

describe('Grafana plugin against the real service', () => {
  test('the datasource’s jest suite passes against the service over HTTP', async () => {
    const jest = resolve(root, 'node_modules/jest/bin/jest.js');
    const { code, output } = await run(process.execPath, [jest, '--ci', '--colors=false', 'src/datasource/datasource.service.test.ts'], {
      cwd: pluginDir,
      timeoutMs: 240_000,
      env: {
        AISEC_SERVICE_URL: serviceUrl,
        AISEC_READ_KEY: KEYS.read,
        AISEC_INGEST_KEY: KEYS.ingest,
        AISEC_RANGE_FROM: new Date(START).toISOString(),
        AISEC_RANGE_TO: new Date(END).toISOString(),
      },
    });
    assert.equal(code, 0, `jest failed:\n${output}`);
    assert.match(output, /Tests:\s+\d+ passed, \d+ total/);
  });

  describe('panels rendered in headless Chromium', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: apt-get install chromium` }, () => {
    let harness: HarnessServer;
    before(async () => {
      const build = await run(process.execPath, [resolve(pluginDir, 'harness/build.mjs'), 'harness'], { cwd: pluginDir, timeoutMs: 240_000 });
      assert.equal(build.code, 0, `harness build failed:\n${build.output}`);
      harness = await startHarnessServer({ root: resolve(pluginDir, 'harness'), serviceUrl, apiKey: KEYS.read });
      mkdirSync(resultsDir, { recursive: true });
    });
    after(async () => harness?.close());

    for (const theme of ['light', 'dark'] as const) {
      test(`SOC matrix, hour-of-week and alerts table from real data, ${theme} theme`, async () => {
        const { chromium } = await import('playwright-core');
        const browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
        });
        try {
          const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
          const errors: string[] = [];
          page.on('pageerror', (e) => errors.push(e.message));
          await page.goto(`${harness.url}/?theme=${theme}&from=${START}&to=${END}`);
          await page.waitForFunction(() => (window as unknown as { __harness?: { done: boolean } }).__harness?.done === true, undefined, { timeout: 60_000 });
          const state = (await page.evaluate(() => (window as unknown as { __harness: unknown }).__harness)) as {
            error?: string;
            frames: Record<string, Array<{ name?: string; fields: string[]; length: number }>>;
            test: { status: string; message: string };
          };
          assert.equal(state.error, undefined, `harness error: ${state.error}`);
          assert.deepEqual(errors, []);
          assert.equal(state.test.status, 'success', state.test.message);
          assert.deepEqual(state.frames.matrix?.[0]?.fields, ['risk_tier', 'category', 'events', 'max_severity', 'users', 'top_user']);
          assert.equal(state.frames.hours?.find((f) => f.name === 'hour_of_week')?.length, 168);
          assert.ok((state.frames.alerts?.[0]?.length ?? 0) > 0);

          const cells = page.getByTestId('aisec-matrix-cell');
          assert.ok((await cells.count()) >= 8, 'risk matrix and hour-of-week cells drawn');
          const critical = page.locator('[data-testid="aisec-matrix-cell"][aria-label^="prompt_attack · Tier 4"]');
          assert.equal(await critical.getAttribute('href'), `/d/aisec-ueba/ueba-entity-drill-down?var-user=mallory&from=${START}&to=${END}`);
          assert.equal(await page.getByTestId('aisec-matrix-empty').count(), 1, 'the empty-state example is shown');

          await page.screenshot({ path: resolve(resultsDir, `harness-${theme}.png`), fullPage: true });
          await page.locator('#risk-matrix').screenshot({ path: resolve(resultsDir, `risk-matrix-${theme}.png`) });
          await page.locator('#hour-of-week').screenshot({ path: resolve(resultsDir, `hour-of-week-${theme}.png`) });
        } finally {
          await browser.close();
        }
      });
    }
  });
});
