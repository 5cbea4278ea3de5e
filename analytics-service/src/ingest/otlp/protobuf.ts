/**
 * OTLP protobuf, decoded and encoded with the protobufjs code the OpenTelemetry JS project generated from
 * opentelemetry-proto (`@opentelemetry/otlp-transformer` 0.214.0, the last release that ships decoders for traces and
 * logs; later releases keep only hand-written encoders). Decoded requests are turned into OTLP's JSON form
 * (otlp-model.ts) so one walker reads both encodings.
 */
import { createRequire } from 'node:module';
import { BodyError } from '../parse-body.js';
import type { Signal } from './records.js';

interface ConversionOptions {
  longs?: typeof String | typeof Number;
  enums?: typeof String | typeof Number;
  bytes?: typeof String | typeof Array;
  defaults?: boolean;
}

/** The part of a protobufjs static message class this module uses. */
interface MessageClass {
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: ConversionOptions): Record<string, unknown>;
  fromObject(object: Record<string, unknown>): object;
  encode(message: object): { finish(): Uint8Array };
}

type CollectorNamespace = { ExportTraceServiceRequest?: MessageClass; ExportTraceServiceResponse?: MessageClass } & {
  ExportLogsServiceRequest?: MessageClass;
  ExportLogsServiceResponse?: MessageClass;
};

interface GeneratedRoot {
  opentelemetry: { proto: { collector: { trace: { v1: CollectorNamespace }; logs: { v1: CollectorNamespace } } } };
}

// the generated root is CommonJS without an ESM entry; the package has no `exports` map, so the path is reachable
const root = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js') as GeneratedRoot;

function messageClass(signal: Signal, kind: 'Request' | 'Response'): MessageClass {
  const collector = root.opentelemetry.proto.collector;
  const found =
    signal === 'traces'
      ? collector.trace.v1[kind === 'Request' ? 'ExportTraceServiceRequest' : 'ExportTraceServiceResponse']
      : collector.logs.v1[kind === 'Request' ? 'ExportLogsServiceRequest' : 'ExportLogsServiceResponse'];
  if (!found) throw new Error(`the OTLP protobuf definitions lack the ${signal} export ${kind.toLowerCase()}`);
  return found;
}

/** A BodyError, so the service's error handler answers it 400 with this message. */
export class ProtobufDecodeError extends BodyError {
  constructor(signal: Signal, cause: unknown) {
    const name = signal === 'traces' ? 'ExportTraceServiceRequest' : 'ExportLogsServiceRequest';
    super(`body is not a protobuf-encoded OTLP ${name}: ${(cause as Error).message}`);
    this.name = 'ProtobufDecodeError';
  }
}

const base64ToHex = (value: unknown): unknown => (typeof value === 'string' ? Buffer.from(value, 'base64').toString('hex') : value);

/** Ids travel as bytes in protobuf but as hex in OTLP JSON: convert the ids of every span and log record. */
function idsToHex(request: Record<string, unknown>, signal: Signal): void {
  const [outer, middle, inner] =
    signal === 'traces' ? (['resourceSpans', 'scopeSpans', 'spans'] as const) : (['resourceLogs', 'scopeLogs', 'logRecords'] as const);
  const list = (value: unknown): Array<Record<string, unknown>> => (Array.isArray(value) ? (value as Array<Record<string, unknown>>) : []);
  for (const resource of list(request[outer])) {
    for (const scope of list(resource[middle])) {
      for (const record of list(scope[inner])) {
        for (const key of ['traceId', 'spanId', 'parentSpanId']) if (key in record) record[key] = base64ToHex(record[key]);
      }
    }
  }
}

/** A protobuf export request → its OTLP JSON form. */
export function decodeExportRequest(signal: Signal, bytes: Uint8Array): Record<string, unknown> {
  const type = messageClass(signal, 'Request');
  try {
    const message = type.decode(bytes);
    // bytes as base64 is OTLP JSON's form for bytesValue; ids are converted to hex afterwards. Inside the try: a
    // hostile body nesting AnyValues thousands deep exhausts the stack here as well as in decode
    const request = type.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false });
    idsToHex(request, signal);
    return request;
  } catch (error) {
    throw new ProtobufDecodeError(signal, error);
  }
}

export interface PartialSuccess {
  rejected: number;
  errorMessage: string;
}

/** The export response, protobuf-encoded; partial success is left unset when nothing was refused (as OTLP asks). */
export function encodeExportResponse(signal: Signal, partial: PartialSuccess | undefined): Uint8Array {
  const type = messageClass(signal, 'Response');
  const body = partial
    ? { partialSuccess: { [signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords']: partial.rejected, errorMessage: partial.errorMessage } }
    : {};
  return type.encode(type.fromObject(body)).finish();
}
