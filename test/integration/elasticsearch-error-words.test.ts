/**
 * What a caller is told when Elasticsearch fails (productMessage) names the status and what was being done, never
 * Elasticsearch's own text; the log fields (logFields) keep that text for the operator. Real errors from the real node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElasticsearchClient } from '../../analytics-service/src/elasticsearch/client.js';
import { logFields, productMessage } from '../../analytics-service/src/elasticsearch/errors.js';
import { testElasticsearchUrl } from '../support/elasticsearch.js';
import { uniquePrefix } from '../support/service.js';

async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call was expected to fail');
}

test('a request Elasticsearch refuses is named by its status; its text goes only to the log', async () => {
  const es = createElasticsearchClient({ url: testElasticsearchUrl(), requestTimeoutMs: 10_000, maxRetries: 0 });
  // an index of this test's own: a search over '*' may meet another test's index while its shards start, and
  // Elasticsearch then answers 503 (no shard available) instead of the 400 this test is about
  const index = `${uniquePrefix('es-words')}-events`;
  try {
    await es.indices.create({ index, wait_for_active_shards: 1 });
    // more hits than index.max_result_window (10 000): Elasticsearch answers 400 with Java exception text
    const error = await failureOf(() => es.search({ index, size: 10_001 }));
    const message = productMessage(error, 'streaming detection poll');
    assert.equal(message, 'Elasticsearch refused a request (streaming detection poll, status 400); the service log has the detail');
    assert.match(JSON.stringify(logFields(error)), /Result window is too large/);
  } finally {
    await es.indices.delete({ index }, { ignore: [404] });
    await es.close();
  }
});

test('an Elasticsearch that cannot be reached is said so, without the connection dump', async () => {
  // port 9 (discard) on the loopback: nothing listens there
  const es = createElasticsearchClient({ url: 'http://127.0.0.1:9', requestTimeoutMs: 2_000, maxRetries: 0 });
  try {
    const error = await failureOf(() => es.info());
    assert.equal(productMessage(error, 'streaming detection poll'), 'Elasticsearch could not be reached (streaming detection poll); the service log has the detail');
  } finally {
    await es.close();
  }
});

test('an error of the service itself keeps its own message', () => {
  assert.equal(productMessage(new Error('the rule catalogue has no rule x'), 'anything'), 'the rule catalogue has no rule x');
});
