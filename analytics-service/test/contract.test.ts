import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_FIELDS, eventProperties, esTypeOf } from '../src/contract/event-schema.js';
import { eventMappingProperties } from '../src/contract/es-mapping.js';
import { normalizeAliases } from '../src/contract/aliases.js';
import { contentEventId, validateEvent } from '../src/contract/validate.js';
import type { TSchema } from '@sinclair/typebox';

test('every contract field carries an Elasticsearch type and appears in the mapping', () => {
  const mapping = eventMappingProperties();
  for (const field of EVENT_FIELDS) {
    assert.ok(esTypeOf(eventProperties[field] as TSchema), `${field} has an es annotation`);
    assert.ok(mapping[field === 'timestamp' ? '@timestamp' : field], `${field} is mapped`);
  }
  assert.deepEqual(mapping['@timestamp'], { type: 'date' });
  assert.deepEqual(mapping.src_ip, { type: 'ip' });
  assert.deepEqual(mapping.tool_params, { type: 'flattened' });
  assert.equal((mapping.input_text as { type: string }).type, 'text');
  assert.deepEqual(mapping.event, { type: 'object', properties: { ingested: { type: 'date' } } });
});

test('ranges and enums are enforced with field-named messages', () => {
  const result = validateEvent({ timestamp: '2026-01-01T00:00:00Z', category: 'request', tokens_out: -1, risk_tier: 0, judge_score: -0.1, severity: 'severe' });
  assert.equal(result.ok, false);
  if (result.ok) return;
  const fields = result.errors.map((e) => e.field).sort();
  assert.deepEqual(fields, ['judge_score', 'risk_tier', 'severity', 'tokens_out']);
  assert.match(result.errors.find((e) => e.field === 'severity')!.message, /one of: info, low, medium, high, critical/);
});

test('a timestamp without timezone or far in the future is refused', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const noZone = validateEvent({ timestamp: '2026-01-01T00:00:00', category: 'request' }, now);
  assert.equal(noZone.ok, false);
  const future = validateEvent({ timestamp: '2026-06-03T00:00:00Z', category: 'request' }, now);
  assert.equal(future.ok, false);
  if (!future.ok) assert.match(future.errors[0]!.message, /in the future/);
  assert.equal(validateEvent({ timestamp: '2026-06-01T12:00:00+02:00', category: 'request' }, now).ok, true);
});

test('the content-hash event id is stable under key order and changes with content', () => {
  const a = contentEventId({ timestamp: '2026-01-01T00:00:00Z', category: 'request', user_id: 'u', tool_params: { a: 1, b: 2 } });
  const b = contentEventId({ user_id: 'u', tool_params: { b: 2, a: 1 }, category: 'request', timestamp: '2026-01-01T00:00:00Z' });
  const c = contentEventId({ timestamp: '2026-01-01T00:00:00Z', category: 'request', user_id: 'v' });
  assert.equal(a, b);
  assert.notEqual(a, c);
});

test('aliases: explicit contract fields win, unknown fields go to extra, __proto__ is data not a prototype', () => {
  const raw = JSON.parse('{"timestamp":"2026-01-01T00:00:00Z","category":"request","user_id":"explicit","user":"alias","__proto__":{"polluted":true},"constructor":"x"}');
  const normalized = normalizeAliases(raw);
  assert.equal(normalized.user_id, 'explicit');
  assert.equal(Object.getPrototypeOf(normalized), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const extra = normalized.extra as Record<string, unknown>;
  assert.deepEqual(Object.keys(extra).sort(), ['__proto__', 'constructor']);
  assert.equal(validateEvent(raw).ok, true);
});

test("seed 002's four categories map onto the contract", () => {
  const map = (category: string) => normalizeAliases({ category }).category;
  assert.equal(map('prompt_injection'), 'prompt_attack');
  assert.equal(map('output_violation'), 'judge_flag');
  assert.equal(map('tool_anomaly'), 'agent_boundary_violation');
  assert.equal(map('behavioral_drift'), 'model_drift');
  assert.equal(map('Judge Flag'), 'judge_flag');
});

test('extra: an empty key still adds its dot to the key path Elasticsearch indexes (the differential test, seed 1246421580)', () => {
  // Elasticsearch's keyed term for {"": {"k": v}} is ".k" NUL v, at most 32 766 bytes: 2 + 1 + 32 763 fits, 32 764 does not
  const event = (length: number) => ({ timestamp: '2026-01-05T10:00:00Z', category: 'prompt_attack', '': { k: 'x'.repeat(length) } });
  assert.equal(validateEvent(event(32_763)).ok, true);
  const refused = validateEvent(event(32_764));
  assert.equal(refused.ok, false);
  assert.match(refused.ok ? '' : refused.errors.map((e) => `${e.field} ${e.message}`).join('; '), /extra\.\.k is too long to index: .* \(got 32767\)/);
});
