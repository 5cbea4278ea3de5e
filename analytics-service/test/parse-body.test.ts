import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyError, parseJsonBody, parseNdjsonBody } from '../src/ingest/parse-body.js';

test('JSON: an object is one event, an array is many, anything else is an error', () => {
  assert.deepEqual(parseJsonBody('{"a":1}'), [{ index: 0, value: { a: 1 } }]);
  assert.deepEqual(parseJsonBody('[{"a":1},2]'), [{ index: 0, value: { a: 1 } }, { index: 1, value: 2 }]);
  assert.throws(() => parseJsonBody('"x"'), BodyError);
  assert.throws(() => parseJsonBody('{"a":'), /not valid JSON/);
});

test('NDJSON: indexes are line numbers, blank lines and CRLF are tolerated, a bad line fails alone', () => {
  const items = parseNdjsonBody('{"a":1}\r\n\n{oops}\n{"b":2}');
  assert.deepEqual(items[0], { index: 0, value: { a: 1 } });
  assert.equal(items[1]!.index, 2);
  assert.ok('error' in items[1]! && /line 3/.test(items[1].error));
  assert.deepEqual(items[2], { index: 3, value: { b: 2 } });
});
