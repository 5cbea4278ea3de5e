/**
 * fast-check arbitraries for ai_security events, derived from the one TypeBox contract schema
 * (analytics-service/src/contract/event-schema.ts): each property's generator is chosen by its JSON Schema type,
 * format, enum and bounds, and weighted toward the edges where a validator and Elasticsearch's mapping can disagree —
 * byte versus character lengths, Unicode (multi-byte, astral, lone surrogates, NUL), integer/long/double limits,
 * non-finite numbers, date forms, nesting depth of flattened fields, Lucene's term size and odd key names.
 *
 * A generated event is a plain object; `toJsonText` writes it as a producer would send it (Infinity as 1e400, which
 * JSON.stringify cannot write).
 */
import fc from 'fast-check';
import type { TSchema } from '@sinclair/typebox';
import { eventProperties, LONG_LIMIT } from '../../analytics-service/src/contract/event-schema.js';
import { FLATTENED_DEPTH_LIMIT, MAX_ID_BYTES, MAX_TERM_BYTES } from '../../analytics-service/src/contract/mapping-limits.js';

type Schema = TSchema & {
  type?: string;
  enum?: string[];
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  es?: string;
};

/** Characters by how they encode: 1, 2, 3 and 4 UTF-8 bytes (the last is 2 UTF-16 units), and oddities. */
const CHARS = {
  ascii: 'a',
  twoBytes: 'é',
  threeBytes: '€',
  fourBytes: '😀',
  loneSurrogate: '\uD800',
  nul: '\u0000',
  newline: '\n',
  zeroWidth: '\u200B',
} as const;
const charKind = fc.constantFrom(...(Object.keys(CHARS) as Array<keyof typeof CHARS>));

/** A string of `count` repetitions of one kind of character, optionally after a prefix (which keeps ids unique). */
const repeat = (kind: keyof typeof CHARS, count: number, prefix = '') => prefix + CHARS[kind].repeat(Math.max(0, count));
const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Lengths around a bound: 0, 1, bound − 1, bound, bound + 1. */
const around = (bound: number) => fc.constantFrom(0, 1, Math.max(0, bound - 1), bound, bound + 1);

let unique = 0;
/** A short prefix unique in this process, so generated ids never collide by accident. */
export const nextUnique = () => `c${(unique++).toString(36)}-`;

const anyString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '*', '\\', '"', '{"match_all":{}}', 'NaN', 'null', 'true', '-0', '1e400') },
);

function keywordArbitrary(schema: Schema, id: boolean): fc.Arbitrary<unknown> {
  const max = schema.maxLength ?? 1024;
  const edge = fc.tuple(charKind, around(max)).map(([kind, n]) => repeat(kind, n));
  const arbitraries: Array<fc.WeightedArbitrary<unknown>> = [
    { weight: 10, arbitrary: anyString.filter((s) => s.length > 0) },
    { weight: 3, arbitrary: edge },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })) },
  ];
  if (id) {
    // ids are made unique (a prefix) so that two cases never meet as duplicates; the edges keep their length
    arbitraries[0] = { weight: 10, arbitrary: anyString.filter((s) => s.length > 0).map((s) => nextUnique() + s) };
    arbitraries[1] = {
      weight: 3,
      arbitrary: fc.tuple(charKind, around(max)).map(([kind, n]) => {
        const prefix = nextUnique();
        return repeat(kind, n - prefix.length, prefix);
      }),
    };
    // the _id limit is in bytes: 170 "€" + 2 ASCII = 512 bytes in 172 characters, one more "€" is over
    arbitraries.push({
      weight: 6,
      arbitrary: fc.tuple(fc.constantFrom('twoBytes', 'threeBytes', 'fourBytes') as fc.Arbitrary<keyof typeof CHARS>, fc.constantFrom(-1, 0, 1, 2)).map(([kind, delta]) => {
        const prefix = nextUnique();
        const width = utf8(CHARS[kind]);
        const room = MAX_ID_BYTES - utf8(prefix);
        const full = Math.floor(room / width);
        return repeat(kind, full, prefix) + 'a'.repeat(room - full * width + delta > 0 ? room - full * width + delta : 0);
      }),
    });
  }
  return fc.oneof(...arbitraries);
}

function textArbitrary(schema: Schema): fc.Arbitrary<unknown> {
  const max = schema.maxLength ?? 1_000_000;
  return fc.oneof(
    { weight: 20, arbitrary: fc.oneof(anyString, fc.string({ unit: 'grapheme', maxLength: 300 })) },
    // a million characters at or just over the limit: rare, they are large
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('ascii', 'threeBytes') as fc.Arbitrary<keyof typeof CHARS>, fc.constantFrom(max, max + 1)).map(([k, n]) => repeat(k, n)) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null)) },
  );
}

function enumArbitrary(schema: Schema): fc.Arbitrary<unknown> {
  const values = schema.enum!;
  return fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...values) },
    { weight: 2, arbitrary: fc.constantFrom(...values).map((v) => v.toUpperCase()) },
    { weight: 2, arbitrary: anyString },
  );
}

const NON_FINITE = fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);

function integerArbitrary(schema: Schema): fc.Arbitrary<unknown> {
  const min = schema.minimum ?? Number.MIN_SAFE_INTEGER;
  const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum : Number.MAX_SAFE_INTEGER);
  const long = schema.exclusiveMaximum === LONG_LIMIT;
  const edges = [min - 1, min, min + 1, max - 1, max, max + 1, 0, -0, 1.5];
  if (long) edges.push(2 ** 53, 2 ** 53 + 2, 2 ** 63 - 1024, 2 ** 63, 2 ** 63 + 2048, 2 ** 64, 1.2e29, 1e308, -(2 ** 63));
  return fc.oneof(
    { weight: 10, arbitrary: fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }) },
    { weight: 6, arbitrary: fc.constantFrom(...edges) },
    { weight: 2, arbitrary: fc.double() },
    { weight: 2, arbitrary: NON_FINITE },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom('12', '', 'NaN'), fc.boolean(), fc.constant(null)) },
  );
}

function numberArbitrary(schema: Schema): fc.Arbitrary<unknown> {
  const min = schema.minimum ?? -Number.MAX_VALUE;
  const max = schema.maximum ?? Number.MAX_VALUE;
  return fc.oneof(
    { weight: 10, arbitrary: fc.double({ min, max, noNaN: true, noDefaultInfinity: true }) },
    { weight: 5, arbitrary: fc.constantFrom(min, max, -0, Number.MIN_VALUE, Number.MAX_VALUE, -Number.MIN_VALUE, max + Number.EPSILON * 4, min - Number.EPSILON, 1e-300, 0.1 + 0.2) },
    { weight: 3, arbitrary: NON_FINITE },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom('0.5', ''), fc.boolean(), fc.constant(null)) },
  );
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Date-times in the stored form, and the neighbouring forms Elasticsearch's strict_date_optional_time refuses or takes. */
const dateTimeArbitrary: fc.Arbitrary<unknown> = (() => {
  const parts = fc.record({
    // each part mostly in range, sometimes at or just past its edge
    year: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 2000, max: 2026 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 1969, 1970, 2024, 9999) }),
    month: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 13) }),
    day: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 28 }) }, { weight: 2, arbitrary: fc.constantFrom(0, 29, 30, 31, 32) }),
    hour: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 23 }) }, { weight: 1, arbitrary: fc.constant(24) }),
    minute: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 59 }) }, { weight: 1, arbitrary: fc.constant(60) }),
    second: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 59 }) }, { weight: 1, arbitrary: fc.constant(60) }),
    fraction: fc.oneof(
      { weight: 4, arbitrary: fc.constant('') },
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 10 }).map((n) => `.${'1234567890'.slice(0, n)}`) },
      { weight: 1, arbitrary: fc.constantFrom('.', ',5') },
    ),
    zone: fc.oneof(
      { weight: 6, arbitrary: fc.constant('Z') },
      {
        weight: 4,
        arbitrary: fc
          .tuple(fc.constantFrom('+', '-'), fc.oneof(fc.integer({ min: 0, max: 18 }), fc.constant(19)), fc.oneof(fc.constantFrom(0, 30, 45, 59), fc.constant(60)))
          .map(([s, h, m]) => `${s}${pad(h)}:${pad(m)}`),
      },
      { weight: 1, arbitrary: fc.constantFrom('z', '', '+0100', '+01', '+05:30', 'UTC', ' Z') },
    ),
    separator: fc.oneof({ weight: 16, arbitrary: fc.constant('T') }, { weight: 1, arbitrary: fc.constantFrom('t', ' ', '') }),
  });
  const built = parts.map(
    (p) => `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}${p.separator}${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${p.fraction}${p.zone}`,
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2026-11-30T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()) },
    { weight: 8, arbitrary: built },
    { weight: 1, arbitrary: fc.constantFrom('2026-12-04T17:00Z', '2026-12-04T17Z', '2026-12-04', '2024-02-29T00:00:00Z', '2026-02-29T00:00:00Z', '1767225600000', '+002026-01-01T00:00:00Z') },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), anyString) },
  );
})();

const ipArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.ipV4() },
  { weight: 4, arbitrary: fc.ipV6() },
  { weight: 2, arbitrary: fc.tuple(fc.ipV6(), fc.constantFrom('eth0', '1', '-', 'a.b', ':', '€')).map(([ip, zone]) => `${ip}%${zone}`) },
  { weight: 2, arbitrary: fc.constantFrom('::ffff:1.2.3.4', '1.2.3.4%eth0', '01.2.3.4', '1.2.3', '256.0.0.1', '10.0.0.0/8', '::', '1::', ' 1.2.3.4', '1.2.3.4 ', 'localhost') },
  { weight: 1, arbitrary: anyString },
);

/** Keys for flattened objects: ordinary, empty, dotted, prototype names, Unicode, and long ones near the term limit. */
const flatKey = fc.oneof(
  { weight: 10, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  { weight: 3, arbitrary: fc.constantFrom('', '.', 'a..b', 'a.b', '__proto__', 'constructor', 'toString', '@timestamp', ' ', '\u0000', '😀', '\uD800') },
  { weight: 1, arbitrary: fc.tuple(charKind, fc.constantFrom(1000, 10_000, MAX_TERM_BYTES - 2, MAX_TERM_BYTES)).map(([k, n]) => repeat(k, Math.floor(n / utf8(CHARS[k]))) ) },
);

const flatLeaf = fc.oneof(
  { weight: 10, arbitrary: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: NON_FINITE },
  // leaves whose "key\0value" term sits at Lucene's 32 766-byte limit, in characters of 1 to 4 bytes
  {
    weight: 2,
    arbitrary: fc.tuple(charKind, fc.constantFrom(-1, 0, 1, 2, 3)).map(([kind, delta]) => {
      const width = utf8(CHARS[kind]);
      return repeat(kind, Math.floor((MAX_TERM_BYTES - 2) / width) + delta);
    }),
  },
);

/** A chain of `depth` objects (the field's own object included), with arrays sometimes between them (they do not count). */
const deepObject = fc.tuple(fc.constantFrom(FLATTENED_DEPTH_LIMIT - 1, FLATTENED_DEPTH_LIMIT, FLATTENED_DEPTH_LIMIT + 1, FLATTENED_DEPTH_LIMIT + 2), fc.boolean(), flatLeaf).map(([depth, arrays, leaf]) => {
  let node: unknown = leaf;
  for (let i = 1; i < depth; i++) node = arrays && i % 3 === 0 ? [{ k: node }] : { k: node };
  return { top: node } as Record<string, unknown>;
});

const flattenedArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, flatLeaf, tie('array'), tie('object')),
      array: fc.array(tie('node'), { maxLength: 3 }),
      object: fc.dictionary(flatKey, tie('node'), { maxKeys: 4 }),
    })).object as fc.Arbitrary<unknown>,
  },
  { weight: 3, arbitrary: deepObject },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.array(fc.integer(), { maxLength: 2 }), fc.constant(null)) },
);

function arrayArbitrary(schema: Schema): fc.Arbitrary<unknown> {
  const max = schema.maxItems ?? 10;
  const item = arbitraryFor('item', schema.items!);
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(item, { maxLength: 4 }) },
    { weight: 1, arbitrary: around(max).map((n) => Array.from({ length: n }, (_, i) => `p${i}`)) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()) },
  );
}

function objectArbitrary(schema: Schema): fc.Arbitrary<unknown> {
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, arbitraryFor(k, v)]));
  return fc.oneof(
    { weight: 8, arbitrary: fc.record(properties, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.record(properties, { requiredKeys: [] }).map((o) => ({ ...o, unexpected: 1 })) },
    { weight: 1, arbitrary: fc.oneof(fc.string(), fc.constant(null)) },
  );
}

/** The generator for one contract property, from its schema. */
export function arbitraryFor(name: string, schema: Schema): fc.Arbitrary<unknown> {
  if (schema.es === 'flattened') return flattenedArbitrary;
  if (schema.type === 'string' && schema.enum) return enumArbitrary(schema);
  if (schema.type === 'string' && schema.format === 'date-time') return dateTimeArbitrary;
  if (schema.type === 'string' && schema.format === 'ip') return ipArbitrary;
  if (schema.type === 'string' && schema.es === 'text') return textArbitrary(schema);
  if (schema.type === 'string') return keywordArbitrary(schema, name === 'event_id');
  if (schema.type === 'integer') return integerArbitrary(schema);
  if (schema.type === 'number') return numberArbitrary(schema);
  if (schema.type === 'boolean') return fc.oneof({ weight: 10, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom('true', 1, null) });
  if (schema.type === 'array') return arrayArbitrary(schema);
  if (schema.type === 'object') return objectArbitrary(schema);
  throw new Error(`no generator for contract field ${name} (${JSON.stringify(schema).slice(0, 80)})`);
}

/** Fields a producer may send that are not in the contract (aliases and unknown keys end up normalized or in extra). */
const producerExtras = fc.dictionary(
  fc.oneof(
    fc.constantFrom('gen_ai.usage.input_tokens', 'user', 'cost', 'vendor_field', '__proto__', 'constructor', '', 'a.b', '@timestamp', 'event_type'),
    fc.string({ minLength: 1, maxLength: 8 }),
  ),
  fc.oneof(flatLeaf, flattenedArbitrary),
  { maxKeys: 2 },
);

/**
 * Events: every contract field from its own generator; `timestamp` and `category` present nine times in ten; a few
 * fields per event so that the field at fault is clear; sometimes producer extras.
 */
export function eventArbitrary(): fc.Arbitrary<Record<string, unknown>> {
  const generators = Object.fromEntries(Object.entries(eventProperties).map(([k, v]) => [k, arbitraryFor(k, v as Schema)])) as Record<string, fc.Arbitrary<unknown>>;
  const { timestamp, category, ...optional } = generators;
  const names = Object.keys(optional);
  const required = fc.record({ timestamp: timestamp!, category: category! }, { requiredKeys: [] });
  const some = fc.subarray(names, { maxLength: 4 }).chain((picked) => fc.record(Object.fromEntries(picked.map((n) => [n, optional[n]!]))));
  return fc
    .tuple(
      fc.oneof({ weight: 9, arbitrary: required.filter((r) => 'timestamp' in r && 'category' in r) }, { weight: 1, arbitrary: required }),
      some,
      fc.oneof({ weight: 6, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: producerExtras }),
    )
    .map(([head, body, extras]) => {
      const event: Record<string, unknown> = {};
      for (const part of [extras, head, body]) {
        for (const [k, v] of Object.entries(part)) Object.defineProperty(event, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      return event;
    });
}

/** JSON as a producer writes it: like JSON.stringify, but Infinity as 1e400 (JSON.stringify would write null). */
export function toJsonText(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? '1e400' : '-1e400';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : toJsonText(v))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
