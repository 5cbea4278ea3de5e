import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startEmbeddedElasticsearch } from './embedded.js';
import { testElasticsearchUrl } from '../support/elasticsearch.js';

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

test('the Elasticsearch at ES_URL is healthy and is version 8.x', async () => {
  const url = testElasticsearchUrl();
  const health = await getJson(`${url}/_cluster/health?wait_for_status=yellow&timeout=30s`);
  assert.equal(health.status, 200);
  assert.ok(['green', 'yellow'].includes(String(health.body.status)), `cluster status ${health.body.status}`);

  const nodes = await getJson(`${url}/_nodes/_local?filter_path=nodes.*.version`);
  assert.equal(nodes.status, 200);
  const versions = Object.values(nodes.body.nodes as Record<string, { version: string }>).map((n) => n.version);
  assert.equal(versions.length, 1);
  assert.match(versions[0]!, /^8\.\d+\.\d+/);
});

test('a second embedded node starts on a free port, indexes a document and stops cleanly', { timeout: 180_000 }, async () => {
  const es = await startEmbeddedElasticsearch({ heap: '512m', clusterName: 'aisec-embedded-test' });
  let stopped = false;
  try {
    assert.notEqual(es.url, process.env.ES_URL);
    assert.ok(existsSync(es.dataDir));

    const put = await getJson(`${es.url}/embedded-smoke/_doc/1?refresh=true`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world', n: 42 }),
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const get = await getJson(`${es.url}/embedded-smoke/_doc/1`);
    assert.equal(get.status, 200);
    assert.deepEqual(get.body._source, { hello: 'world', n: 42 });

    assert.ok(processAlive(es.pid));
    await es.stop();
    stopped = true;

    await assert.rejects(fetch(`${es.url}/_cluster/health`, { signal: AbortSignal.timeout(5_000) }), 'port still answers after stop()');
    assert.equal(processAlive(es.pid), false, `pid ${es.pid} still alive after stop()`);
    // No process of the node's group (launcher + server JVM) may survive.
    const ps = execFileSync('ps', ['-eo', 'pgid=,pid=,args='], { encoding: 'utf8' });
    const leftovers = ps.split('\n').filter((l) => l.trim().split(/\s+/)[0] === String(es.pid));
    assert.deepEqual(leftovers, []);
    assert.equal(existsSync(es.dataDir), false, 'temp data dir removed on stop');
    await es.stop(); // idempotent
  } finally {
    if (!stopped) await es.stop();
  }
});
