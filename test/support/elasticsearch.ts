/** Elasticsearch endpoint for tests. `npm test` (test/run-tests.ts) starts an embedded node and sets ES_URL. */
export function testElasticsearchUrl(): string {
  const url = process.env.ES_URL?.trim();
  if (!url) {
    throw new Error(
      'ES_URL is not set. Run the tests through `npm test` (test/run-tests.ts starts an embedded Elasticsearch and sets ES_URL), ' +
        'or set ES_URL to an existing cluster, e.g. ES_URL=http://127.0.0.1:9200.',
    );
  }
  return url.replace(/\/+$/, '');
}
