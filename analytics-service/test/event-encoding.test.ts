import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AiSecurityEvent } from '../src/contract/event-schema.js';
import { encodedDocument, encodeEvent, toDocument } from '../src/elasticsearch/event-store.js';

const events: AiSecurityEvent[] = [
  { event_id: 'e-1', timestamp: '2026-02-11T14:30:00Z', category: 'request' } as AiSecurityEvent,
  {
    event_id: 'e-"2"\u2028\\',
    timestamp: '2026-02-11T14:30:00.123456789+01:00',
    category: 'tool_invocation',
    user_id: 'jgill@example.com',
    tool_params: { q: 'x', nested: { list: [1, 'two', null, { deep: true }] } },
    tokens_in: 12,
    cost_usd: 0.0001,
    extra: { 'odd key': 'ümlaut ✓', __proto__: 'own' },
  } as unknown as AiSecurityEvent,
];

test('an encoded event is stored byte for byte as JSON.stringify(toDocument(event)) would store it', () => {
  for (const event of events) {
    const ingestedAt = '2026-12-04T21:00:00.000Z';
    const encoded = encodeEvent(event);
    assert.equal(encoded.id, event.event_id);
    const text = encodedDocument(encoded, ingestedAt);
    assert.equal(text, JSON.stringify(toDocument(event, ingestedAt)));
    const parsed = JSON.parse(text) as Record<string, unknown>;
    assert.equal(parsed['@timestamp'], event.timestamp);
    assert.deepEqual(parsed.event, { ingested: ingestedAt });
    assert.equal('timestamp' in parsed, false);
  }
});
