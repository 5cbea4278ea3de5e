/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is kept correct by validating it with
 * Debian's docker-compose and checking it uses the same Elasticsearch version, variables and paths as the tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ES_VERSION } from '../elasticsearch/embedded.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function compose(envFile: string, ...args: string[]) {
  const result = spawnSync('docker-compose', ['--env-file', envFile, '-f', join(root, 'docker-compose.yml'), 'config', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  if (result.error) throw new Error(`docker-compose is not installed (Debian package docker-compose; .ci/run installs it): ${result.error.message}`);
  return result;
}

test('docker-compose.yml is valid with .env.example and matches the tested Elasticsearch', () => {
  const result = compose(join(root, '.env.example'));
  assert.equal(result.status, 0, result.stderr);
  const config = parse(result.stdout) as {
    services: Record<string, { image?: string; environment?: Record<string, string>; ports?: unknown[]; depends_on?: Record<string, { condition: string }>; healthcheck?: unknown }>;
  };
  const es = config.services.elasticsearch!;
  assert.equal(es.image, `docker.elastic.co/elasticsearch/elasticsearch:${ES_VERSION}`, 'compose runs the Elasticsearch version the tests run');
  assert.ok(es.healthcheck, 'Elasticsearch has a healthcheck');
  const analytics = config.services.analytics!;
  assert.equal(analytics.environment?.ES_URL, 'http://elasticsearch:9200');
  assert.equal(analytics.depends_on?.elasticsearch?.condition, 'service_healthy');
  for (const service of Object.values(config.services)) {
    for (const port of service.ports ?? []) {
      const hostIp = typeof port === 'string' ? port.split(':')[0] : (port as { host_ip?: string }).host_ip;
      assert.equal(hostIp, '127.0.0.1', 'published ports bind to localhost only');
    }
  }
});

test('docker-compose refuses to start without API keys', () => {
  const result = compose('/dev/null/none', '-q');
  assert.notEqual(result.status, 0);
});
