// Bundles the screenshot harness (harness/main.tsx + the plugin's own src/) for the browser with esbuild.
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
await build({
  entryPoints: [resolve(here, 'main.tsx')],
  outfile: resolve(here, 'build/harness.js'),
  bundle: true,
  alias,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  define: { 'process.env.NODE_ENV': JSON.stringify(process.env.HARNESS_NODE_ENV ?? 'production'), global: 'window' },
  banner: { js: 'window.process = window.process || { env: {} };' },
  loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.eot': 'empty', '.css': 'empty' },
  logLevel: 'error',
});
console.log('harness built');
