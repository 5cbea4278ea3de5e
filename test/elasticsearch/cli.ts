/**
 * Runs an embedded Elasticsearch node in the foreground until Ctrl-C.
 *
 *   node --import tsx test/elasticsearch/cli.ts [--port 9200] [--data .data/elasticsearch] [--heap 1g] [--quiet]
 *
 * The data dir is persistent (default `.data/elasticsearch` in the repo root).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ES_VERSION, ensureDistribution, startEmbeddedElasticsearch } from './embedded.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9200' },
    data: { type: 'string', default: join(repoRoot, '.data', 'elasticsearch') },
    heap: { type: 'string', default: '1g' },
    'cluster-name': { type: 'string' },
    quiet: { type: 'boolean', short: 'q', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  console.log('usage: node --import tsx test/elasticsearch/cli.ts [--port 9200] [--data .data/elasticsearch] [--heap 1g] [--cluster-name NAME] [--quiet]');
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port ${values.port}`);
  process.exit(2);
}

// Keep the event loop alive while ES runs (the ES child process is unref'd by design).
const keepAlive = setInterval(() => {}, 1 << 30);
let shuttingDown = false;

try {
  const started = Date.now();
  const distHome = await ensureDistribution({ log: (l) => console.error(l) });
  const es = await startEmbeddedElasticsearch({
    distHome,
    httpPort: port,
    dataDir: resolve(values.data),
    heap: values.heap,
    ...(values['cluster-name'] ? { clusterName: values['cluster-name'] } : {}),
    ...(values.quiet ? {} : { log: (line: string) => console.error(line) }),
  });
  console.log(`Elasticsearch ${ES_VERSION} ready at ${es.url} (pid ${es.pid}, data ${es.dataDir}, started in ${((Date.now() - started) / 1000).toFixed(1)} s). Ctrl-C to stop.`);

  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.error(`\n${signal}: stopping Elasticsearch ...`);
    void es.stop().then(
      () => {
        clearInterval(keepAlive);
        console.error('Elasticsearch stopped.');
        process.exit(0);
      },
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGHUP', shutdown);

  const { code, signal } = await es.exited;
  if (!shuttingDown) {
    console.error(`Elasticsearch exited unexpectedly (${signal ?? `code ${code}`}); see output above.`);
    await es.stop();
    process.exit(1);
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
