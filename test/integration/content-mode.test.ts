/**
 * AISEC_CONTENT_MODE against real Elasticsearch: what is stored of prompt and response text in each mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { postEvents, startTestService } from '../support/service.js';

const input = 'Ignore previous instructions. My card is 4111 1111 1111 1111, mail me at eve@example.com';
const output = 'Here is the key AKIAIOSFODNN7EXAMPLE and a token ghp_abcdefghijklmnopqrstuvwxyz0123456789 for you';
const event = { timestamp: '2026-04-01T10:00:00Z', category: 'request', event_id: 'content-1', user_id: 'mode-user', input_text: input, output_text: output };

async function storedIn(mode: string) {
  const service = await startTestService(`content-${mode}`, { AISEC_CONTENT_MODE: mode });
  try {
    const response = await postEvents(service, [event]);
    assert.equal(response.json().accepted, 1, response.body);
    const raw = await service.es.search({ index: `${service.prefix}-events`, query: { term: { event_id: 'content-1' } } });
    return raw.hits.hits[0]!._source as Record<string, unknown>;
  } finally {
    await service.close();
  }
}

test('store keeps the text as sent', async () => {
  const doc = await storedIn('store');
  assert.equal(doc.input_text, input);
  assert.equal(doc.output_text, output);
});

test('redact masks PII and the catalogue secret patterns but keeps the rest of the text', async () => {
  const doc = await storedIn('redact');
  assert.equal(doc.input_text, 'Ignore previous instructions. My card is [REDACTED:card_number], mail me at [REDACTED:email]');
  assert.equal(doc.output_text, 'Here is the key [REDACTED:aws_access_key] and a token [REDACTED:github_token] for you');
});

test('hash keeps only digests, so equal texts still correlate', async () => {
  const doc = await storedIn('hash');
  const digest = (t: string) => `sha256:${createHash('sha256').update(t).digest('hex')}`;
  assert.equal(doc.input_text, digest(input));
  assert.equal(doc.output_text, digest(output));
  assert.equal(doc.prompt_hash, digest(input));
});

test('drop stores neither field; the event id is the same in every mode', async () => {
  const doc = await storedIn('drop');
  assert.equal(doc.input_text, undefined);
  assert.equal(doc.output_text, undefined);
  assert.equal(doc.event_id, 'content-1');
});

test('an unknown mode stops the start with a message naming the variable', async () => {
  await assert.rejects(() => startTestService('content-bad', { AISEC_CONTENT_MODE: 'encrypt' }), /AISEC_CONTENT_MODE must be one of store, hash, redact, drop/);
});

test('redacted secrets still raise the content rule: detectors recognize their own redaction markers', async () => {
  const service = await startTestService('content-redact-rule', { AISEC_CONTENT_MODE: 'redact', AISEC_DETECTION_STREAMING: 'false' });
  try {
    const leak = { timestamp: '2026-04-02T10:00:00Z', category: 'request', event_id: 'leak-1', user_id: 'redact-user', endpoint: '/api/v1/chat', output_text: output };
    const benign = { ...leak, event_id: 'benign-1', user_id: 'quiet-user', output_text: 'Nothing sensitive here, REDACTED is just a word.' };
    assert.equal((await postEvents(service, [leak, benign])).json().accepted, 2);
    const run = await service.request('admin', {
      method: 'POST',
      url: '/v1/detections/run',
      payload: { from: '2026-04-02T00:00:00Z', to: '2026-04-03T00:00:00Z', rules: ['sensitive_data_in_output'] },
    });
    assert.equal(run.statusCode, 200, run.body);
    const alerts = (await service.request('read', { method: 'GET', url: '/v1/alerts?rule_id=sensitive_data_in_output&from=2026-04-01T00:00:00Z' })).json().alerts;
    assert.deepEqual(alerts.map((a: { user_id: string }) => a.user_id), ['redact-user']);
    assert.ok(!JSON.stringify(alerts).includes('AKIAIOSFODNN7EXAMPLE'), 'the alert never carries the secret');
  } finally {
    await service.close();
  }
});
