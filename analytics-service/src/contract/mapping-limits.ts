/**
 * What Elasticsearch's mapping refuses that JSON Schema cannot say, checked before a write so that a refusal is
 * the validator's (field named, in our words) and never Elasticsearch's. Each limit was confirmed against
 * Elasticsearch 8.14 (`test/integration/ingest-contract-differential.test.ts` keeps confirming it):
 *
 * - `_id` is at most 512 bytes of UTF-8 (`action_request_validation_exception`, which refuses the whole bulk request);
 * - a `long` takes −2^63 … 2^63−1: the largest double below 2^63 serializes as 9223372036854775000 and is stored,
 *   2^63 serializes as 9223372036854776000 and is refused (the schema's `exclusiveMaximum` says so);
 * - numbers are finite: JSON's 1e400 parses as Infinity, which JSON.stringify would send as null;
 * - a `flattened` field nests at most 20 objects (arrays do not count; its `depth_limit`), and each of its leaves is
 *   indexed as one term "<dotted key path>\0<value>" that Lucene caps at 32 766 bytes, so no key may hold a NUL;
 * - a `date` is `strict_date_optional_time`: upper-case `T`, seconds 00–59, hours 00–23, a real calendar day, at most
 *   nine fraction digits, an offset of at most ±18:00 (checked in `isStoredDateTime`).
 */
import { isIP } from 'node:net';
import type { TSchema } from '@sinclair/typebox';
import { esTypeOf, eventProperties, type EventField } from './event-schema.js';

export { LONG_LIMIT } from './event-schema.js';
/** Elasticsearch's limit on a document `_id`, in UTF-8 bytes. */
export const MAX_ID_BYTES = 512;
/** `flattened` fields' default `depth_limit`: objects nested inside the field, the field's own object included. */
export const FLATTENED_DEPTH_LIMIT = 20;
/** Lucene's longest indexed term, in bytes. */
export const MAX_TERM_BYTES = 32_766;

export interface MappingError {
  field: string;
  message: string;
}

/** Contract fields stored as `flattened`, from the schema's annotations. */
export const FLATTENED_FIELDS = (Object.keys(eventProperties) as EventField[]).filter(
  (field) => esTypeOf(eventProperties[field] as TSchema) === 'flattened',
);

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Path of a value for an error message: dotted keys, array positions in brackets. */
function childPath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
}

/** Every number that is not finite (JSON's 1e400 parses as Infinity), wherever it sits. Iterative: input is hostile. */
export function nonFiniteNumbers(event: Record<string, unknown>): MappingError[] {
  const errors: MappingError[] = [];
  const stack: Array<[unknown, string]> = [[event, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'number' && !Number.isFinite(node)) {
      errors.push({ field: path, message: `${path} is out of range: numbers must be finite (a value like 1e400 cannot be stored)` });
    } else if (Array.isArray(node)) {
      node.forEach((child, i) => stack.push([child, childPath(path, i)]));
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) stack.push([child, childPath(path, key)]);
    }
  }
  return errors;
}

/** The first way a `flattened` value breaks the field's limits, or undefined. */
export function flattenedError(field: string, value: Record<string, unknown>): MappingError | undefined {
  // [node, dotted key path as Elasticsearch indexes it (none at the root: an empty key still adds its dot), path for
  // the message, objects so far]
  const stack: Array<[unknown, string | undefined, string, number]> = [[value, undefined, field, 1]];
  while (stack.length > 0) {
    const [node, keyPath, shown, depth] = stack.pop()!;
    if (Array.isArray(node)) {
      node.forEach((child, i) => stack.push([child, keyPath, childPath(shown, i), depth + (isObject(child) ? 1 : 0)]));
    } else if (isObject(node)) {
      if (depth > FLATTENED_DEPTH_LIMIT) {
        return { field, message: `${field} nests objects deeper than ${FLATTENED_DEPTH_LIMIT} levels (at ${shown})` };
      }
      for (const [key, child] of Object.entries(node)) {
        // NUL separates key from value in the indexed term, so Elasticsearch refuses it in a key
        if (key.includes('\u0000')) return { field: childPath(shown, key), message: `${field} has a key containing the NUL character (\\u0000), which cannot be stored (at ${shown})` };
        stack.push([child, keyPath === undefined ? key : `${keyPath}.${key}`, childPath(shown, key), depth + (isObject(child) ? 1 : 0)]);
      }
    } else if (node !== null && node !== undefined) {
      const leaf = typeof node === 'string' ? node : String(node);
      const bytes = utf8Bytes(keyPath ?? '') + 1 + utf8Bytes(leaf);
      if (bytes > MAX_TERM_BYTES) {
        return {
          field: shown,
          message: `${shown} is too long to index: its key path and value together must stay within ${MAX_TERM_BYTES} bytes of UTF-8 (got ${bytes})`,
        };
      }
    }
  }
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * An address Elasticsearch's `ip` type reads: what Node's isIP takes, except a zone id (`%eth0`) after an IPv6 address
 * written with an embedded IPv4 part (`::ffff:1.2.3.4%eth0`), which Elasticsearch refuses (the differential test found it).
 */
export function isStoredIp(value: string): boolean {
  if (isIP(value) === 0) return false;
  const zone = value.indexOf('%');
  return zone < 0 || !value.slice(0, zone).includes('.');
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
/**
 * The stored timestamp form: `YYYY-MM-DDTHH:MM:SS[.fraction]` and `Z` or `±HH:MM`. A subset of what Elasticsearch's
 * `strict_date_optional_time` takes (it also takes `+0100`, `+01` or no seconds), chosen so that every accepted value
 * is also read the same way by JavaScript's Date.parse, which the detection code uses.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

export function isStoredDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  if (month < 1 || month > 12 || day < 1) return false;
  if (day > (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (match[7] !== undefined) {
    const offsetHours = Number(match[8]);
    const offsetMinutes = Number(match[9]);
    if (offsetMinutes > 59 || offsetHours > 18 || (offsetHours === 18 && offsetMinutes > 0)) return false;
  }
  return !Number.isNaN(Date.parse(value));
}

/** Checks of a schema-valid event against what the mapping stores. */
export function mappingErrors(event: Record<string, unknown>): MappingError[] {
  const errors: MappingError[] = [];
  if (typeof event.event_id === 'string' && utf8Bytes(event.event_id) > MAX_ID_BYTES) {
    errors.push({
      field: 'event_id',
      message: `event_id is ${utf8Bytes(event.event_id)} bytes of UTF-8; at most ${MAX_ID_BYTES} are allowed (characters outside ASCII take 2 to 4 bytes each)`,
    });
  }
  for (const field of FLATTENED_FIELDS) {
    const value = event[field];
    if (isObject(value)) {
      const error = flattenedError(field, value);
      if (error) errors.push(error);
    }
  }
  return errors;
}
