// Bundles the screenshot harnesses (harness/main.tsx: panel and datasource; harness/dashboard.tsx: whole provisioned
// dashboards) with the plugin's own src/ for the browser with esbuild: build/harness.js, build/dashboard.js.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
// Grafana's ESM builds are .mjs, for which esbuild applies Node's interop: a default import of a CommonJS
// dependency (react-custom-scrollbars-2 and others) becomes the whole module object. Their CommonJS builds
// interoperate as webpack does inside Grafana.
const cjs = (name) => require.resolve(name);
const alias = Object.fromEntries(['@grafana/ui', '@grafana/data', '@grafana/runtime', '@grafana/schema'].map((n) => [n, cjs(n)]));
// `node build.mjs harness` or `node build.mjs dashboard` builds one of them, so two test files can build side by side
// without rewriting the bundle the other one's browser is loading
const ENTRIES = { harness: resolve(here, 'main.tsx'), dashboard: resolve(here, 'dashboard.tsx') };
const only = process.argv[2];
if (only !== undefined && !(only in ENTRIES)) throw new Error(`unknown harness "${only}": one of ${Object.keys(ENTRIES).join(', ')}`);
await build({
  entryPoints: only ? { [only]: ENTRIES[only] } : ENTRIES,
  outdir: resolve(here, 'build'),
  bundle: true,
  alias,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  define: { 'process.env.NODE_ENV': JSON.stringify(process.env.HARNESS_NODE_ENV ?? 'production'), global: 'window' },
  banner: { js: 'window.process = window.process || { env: {} };' },
  loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.eot': 'empty', '.css': 'css' },
  // CSS that Grafana's components import (uPlot's, rc-*) is bundled into build/<entry>.css, as Grafana's page loads it
  logLevel: 'error',
});
console.log('harness built');
