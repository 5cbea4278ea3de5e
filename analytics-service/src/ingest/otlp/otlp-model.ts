/**
 * The OTLP data model in its JSON form (opentelemetry-proto's JSON mapping: lowerCamelCase names, trace and span ids
 * as hex, 64-bit integers as decimal strings or numbers, enums as integers). Protobuf requests are decoded into this
 * same shape (protobuf.ts), so one walker reads both encodings.
 *
 * Everything arrives from the network, so the walker reads it defensively: a missing or mistyped part is skipped, and
 * what the validator needs and cannot find is reported by it, record by record.
 */

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export const objectsOf = (value: unknown): Json[] => arrayOf(value).filter(isObject);

/** A 64-bit integer as OTLP JSON carries it (decimal string or number): a number when exact, the string when not. */
function int64(value: unknown): number | string | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/** OTLP AnyValue → a plain JSON value. */
export function anyValue(value: unknown, depth = 0): AttributeValue {
  if (!isObject(value) || depth > 32) return null;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (value.intValue !== undefined) return int64(value.intValue);
  if (value.doubleValue !== undefined) {
    const d = typeof value.doubleValue === 'string' ? Number(value.doubleValue) : value.doubleValue;
    return typeof d === 'number' ? d : null;
  }
  if (isObject(value.arrayValue)) return arrayOf(value.arrayValue.values).map((v) => anyValue(v, depth + 1));
  if (isObject(value.kvlistValue)) return keyValues(value.kvlistValue.values, depth + 1);
  if (typeof value.bytesValue === 'string') return value.bytesValue;
  return null;
}

/** OTLP KeyValue list → an object keyed by attribute name (dotted names kept as they are). */
export function keyValues(list: unknown, depth = 0): { [key: string]: AttributeValue } {
  const out: { [key: string]: AttributeValue } = {};
  for (const kv of objectsOf(list)) {
    if (typeof kv.key !== 'string' || kv.key === '' || kv.key === '__proto__') continue;
    out[kv.key] = anyValue(kv.value, depth);
  }
  return out;
}

/**
 * OTLP time (nanoseconds since the epoch, as a decimal string or number) → ISO 8601 with nanosecond precision, the
 * contract's stored form. Zero or absent is "unknown" (the proto's own convention), returned as undefined.
 */
export function isoFromUnixNano(value: unknown): string | undefined {
  let nanos: bigint;
  try {
    if (typeof value === 'string' && /^\d+$/.test(value)) nanos = BigInt(value);
    else if (typeof value === 'number' && Number.isFinite(value) && value >= 0) nanos = BigInt(Math.trunc(value));
    else return undefined;
  } catch {
    return undefined;
  }
  if (nanos === 0n) return undefined;
  const ms = Number(nanos / 1_000_000n);
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return undefined;
  const subMs = nanos % 1_000_000n;
  // milliseconds as usual; the nanoseconds only when the producer measured finer
  return subMs === 0n ? date.toISOString() : date.toISOString().replace(/Z$/, `${subMs.toString().padStart(6, '0')}Z`);
}

/** Nanoseconds between two OTLP times, in milliseconds; undefined when either is unknown or the span runs backwards. */
export function durationMs(start: unknown, end: unknown): number | undefined {
  const toBig = (v: unknown): bigint | undefined =>
    typeof v === 'string' && /^\d+$/.test(v) ? BigInt(v) : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
  const s = toBig(start);
  const e = toBig(end);
  if (s === undefined || e === undefined || s === 0n || e < s) return undefined;
  return Number(e - s) / 1e6;
}

/** A trace or span id in OTLP JSON's hex form; all-zero ids mean "none" in OTLP. */
export function hexId(value: unknown, bytes: 8 | 16): string | undefined {
  if (typeof value !== 'string') return undefined;
  const hex = value.toLowerCase();
  if (hex.length !== bytes * 2 || !/^[0-9a-f]+$/.test(hex) || /^0+$/.test(hex)) return undefined;
  return hex;
}
