import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyError, ndjsonItems, parseJsonBody, parseNdjsonBody } from '../src/ingest/parse-body.js';

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

test('NDJSON read lazily gives what splitting the body on newlines gives, line for line', () => {
  const bodies = ['', '\n', '{"a":1}', '{"a":1}\n', '\n\n{"a":1}\n\n', '{"a":1}\r\n{bad\r\n  \r\n[1]\n"x"\n{"b":{"c":[1,2]}}', '{"a":"\\n"}\n{"b":2}\n\n'];
  for (const body of bodies) {
    // oracle: the split-and-trim reading this parser replaced
    const expected = body
      .split('\n')
      .map((line, index) => ({ line: line.trim(), index }))
      .filter(({ line }) => line !== '')
      .map(({ line, index }) => {
        try {
          return { index, value: JSON.parse(line) as unknown };
        } catch {
          return { index, error: true };
        }
      });
    const got = [...ndjsonItems(body)].map((item) => ('error' in item ? { index: item.index, error: true } : item));
    assert.deepEqual(got, expected, JSON.stringify(body));
  }
});
