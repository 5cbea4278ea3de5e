/**
 * Validation of normalized events against the contract, with errors a producer can act on:
 * which field, what was wrong, what was received.
 */
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { AiSecurityEventSchema, EVENT_FIELDS, type AiSecurityEvent } from './event-schema.js';
import { FIELD_ALIASES, isPlainObject, normalizeAliases, type RawObject } from './aliases.js';
import { isStoredDateTime, isStoredIp, LONG_LIMIT, mappingErrors, nonFiniteNumbers } from './mapping-limits.js';

// ajv-formats is CommonJS; its default export is the plugin function
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** How far in the future an event timestamp may lie (producer clock skew) before it is refused. */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

export interface FieldError {
  field?: string;
  message: string;
}

export type ValidationResult = { ok: true; event: AiSecurityEvent } | { ok: false; errors: FieldError[] };

function compile(allErrors: boolean) {
  // strictNumbers: Infinity (JSON's 1e400) is not a number here, as it is not one to Elasticsearch
  const ajv = new Ajv({ allErrors, strict: false, strictNumbers: true });
  addFormats(ajv);
  ajv.addFormat('ip', { type: 'string', validate: isStoredIp });
  // the stored form of a date-time (mapping-limits.ts): stricter than RFC 3339, which also allows a space, a lower-case
  // t or z and a leap second, all of which Elasticsearch refuses
  ajv.addFormat('date-time', { type: 'string', validate: isStoredDateTime });
  return ajv.compile<AiSecurityEvent>(AiSecurityEventSchema);
}
/** Stops at the first error: the fast path for the (common) valid event. */
const isValidEvent = compile(false);
/** Collects every error, run only for an event already known to be invalid. */
const explainInvalidEvent = compile(true);

function preview(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function valueAt(event: RawObject, path: string[]): unknown {
  let node: unknown = event;
  for (const segment of path) node = isPlainObject(node) || Array.isArray(node) ? (node as RawObject)[segment] : undefined;
  return node;
}

function toFieldError(error: ErrorObject, event: RawObject): FieldError {
  const path = error.instancePath.split('/').slice(1);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const field = String(params.missingProperty);
    return { field, message: `${field} is required` };
  }
  if (error.keyword === 'additionalProperties') {
    const field = [...path, String(params.additionalProperty)].join('.');
    return { field, message: `${field} is not a known field` };
  }
  const field = path.join('.');
  const got = preview(valueAt(event, path));
  if (error.keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[]).join(', ');
    return { field, message: `${field} must be one of: ${allowed} (got ${got})` };
  }
  if (error.keyword === 'format' && params.format === 'date-time') {
    return {
      field,
      message: `${field} must be an ISO 8601 date-time YYYY-MM-DDTHH:MM:SS with an upper-case T, an optional fraction of up to 9 digits and Z or ±HH:MM, e.g. 2026-02-11T14:30:00Z (got ${got})`,
    };
  }
  if (error.keyword === 'exclusiveMaximum' && params.limit === LONG_LIMIT) {
    return { field, message: `${field} is larger than the largest whole number that can be stored (9223372036854775807) (got ${got})` };
  }
  if (error.keyword === 'format' && params.format === 'ip') {
    return { field, message: `${field} must be an IPv4 or IPv6 address (got ${got})` };
  }
  if (error.keyword === 'maxLength') {
    return { field, message: `${field} is longer than the ${String(params.limit)} characters allowed` };
  }
  return { field, message: `${field} ${error.message ?? 'is invalid'} (got ${got})` };
}

/**
 * Deepest nesting of objects and arrays accepted inside one field. A guard for the recursive steps after it (hostile
 * input must not exhaust the stack); Elasticsearch's own limit on `flattened` fields (20 objects, arrays not counted)
 * is checked in mapping-limits.ts.
 */
export const MAX_NESTING_DEPTH = 20;

/** Whether a JSON value nests deeper than `max` levels. Iterative, so hostile input cannot exhaust the stack. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/** The producer's keys whose values nest deeper than MAX_NESTING_DEPTH, each with the field the contract calls it. */
function tooDeepFields(input: RawObject): Array<{ key: string; field: string }> {
  const deep: Array<{ key: string; field: string }> = [];
  for (const [key, value] of Object.entries(input)) {
    if (!nestsDeeperThan(value, MAX_NESTING_DEPTH)) continue;
    const field = CONTRACT_FIELDS.has(key) ? key : Object.hasOwn(FIELD_ALIASES, key) ? FIELD_ALIASES[key]! : `extra.${key}`;
    deep.push({ key, field });
  }
  return deep;
}
const CONTRACT_FIELDS = new Set<string>(EVENT_FIELDS);

/**
 * Whether no value of the event nests deeper than MAX_NESTING_DEPTH and no number in it is non-finite: then the
 * detailed checks for both (tooDeepFields, nonFiniteNumbers, which name each offending field) have nothing to find.
 * One pass without building field paths, so the common event costs little; hostile input gets the detailed checks.
 */
function plainEnough(input: RawObject): boolean {
  for (const key in input) {
    const value = input[key];
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return false;
    } else if (typeof value === 'object' && value !== null && (nestsDeeperThan(value, MAX_NESTING_DEPTH) || hasNonFiniteNumber(value))) return false;
  }
  return true;
}

/** Whether a non-finite number sits anywhere inside a JSON value. Iterative: input is hostile. */
function hasNonFiniteNumber(value: object): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) return true;
    } else if (typeof node === 'object' && node !== null) for (const child of Object.values(node)) stack.push(child);
  }
  return false;
}

/** Normalizes aliases, then validates. `now` is injectable for tests of the future-skew check. */
export function validateEvent(input: unknown, now: number = Date.now()): ValidationResult {
  if (!isPlainObject(input)) {
    return { ok: false, errors: [{ message: `an event must be a JSON object (got ${Array.isArray(input) ? 'an array' : preview(input)})` }] };
  }
  const plain = plainEnough(input);
  const deep = plain ? [] : tooDeepFields(input);
  if (deep.length > 0) {
    // the too-deep values are not looked into further; the rest of the event is still checked, so that one answer
    // names every field to fix
    const errors: FieldError[] = deep.map(({ field }) => ({ field, message: `${field} nests objects or arrays deeper than ${MAX_NESTING_DEPTH} levels` }));
    const rest: RawObject = {};
    for (const [key, value] of Object.entries(input)) {
      if (!deep.some((d) => d.key === key)) Object.defineProperty(rest, key, { value, enumerable: true, writable: true, configurable: true });
    }
    const others = validateEvent(rest, now);
    const removed = new Set(deep.map((d) => d.field));
    if (!others.ok) errors.push(...others.errors.filter((e) => !removed.has(e.field ?? '')));
    return { ok: false, errors: dedupe(errors) };
  }
  const event = normalizeAliases(input);
  if (!isValidEvent(event)) {
    explainInvalidEvent(event);
    // a non-finite number is named where it sits (even inside tool_params), and Ajv's "must be number" for it dropped
    // and what the mapping would refuse is named too, so one answer lists every field to fix
    const nonFinite = nonFiniteNumbers(event);
    const named = new Set(nonFinite.map((e) => e.field));
    const errors = (explainInvalidEvent.errors ?? []).map((e) => toFieldError(e, event)).filter((e) => !named.has(e.field ?? ''));
    return { ok: false, errors: dedupe([...nonFinite, ...errors, ...mappingErrors(event)]) };
  }
  const limits = plain ? mappingErrors(event) : [...nonFiniteNumbers(event), ...mappingErrors(event)];
  if (limits.length > 0) return { ok: false, errors: dedupe(limits) };
  const at = Date.parse(event.timestamp);
  if (at > now + MAX_FUTURE_SKEW_MS) {
    return {
      ok: false,
      errors: [{ field: 'timestamp', message: `timestamp ${event.timestamp} is more than 24h in the future; check the producer's clock` }],
    };
  }
  event.event_id ??= contentEventId(event);
  return { ok: true, event };
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Stable JSON: object keys sorted, so the same event always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The id of an event sent without `event_id`: a hash of its normalized content. Replaying the same event
 * yields the same id, so replays are recognized as duplicates instead of being stored twice.
 */
export function contentEventId(event: Omit<AiSecurityEvent, 'event_id'>): string {
  return `sha256:${createHash('sha256').update(canonicalJson(event)).digest('hex').slice(0, 40)}`;
}
