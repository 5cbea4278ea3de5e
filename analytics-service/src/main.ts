/**
 * Process entry: configuration, Elasticsearch client, HTTP server, graceful shutdown on SIGTERM/SIGINT
 * (stop accepting, let in-flight requests finish, then close the Elasticsearch client).
 */
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createElasticsearchClient } from './elasticsearch/client.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const es = createElasticsearchClient(config.elasticsearch);
  const app = await buildApp({ config, es });
  if (config.authDisabled) {
    app.log.warn('!!! AISEC_AUTH_DISABLED=true: every request is treated as admin. Local demo only; never expose this service. !!!');
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      app.log.error('shutdown took over 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    await app.close();
    await es.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
