/**
 * OTLP spans and log records → candidate events for the ingest pipeline of `POST /v1/events`.
 *
 * Each record becomes one flat object of its resource's and its own attributes (record attributes win), with the
 * OpenTelemetry GenAI names left as they are: the contract's alias layer (contract/aliases.ts) maps them, and the
 * validator judges the result exactly as it judges a JSON event. This module adds only what OTLP carries outside
 * attributes: the time, the trace id, the span's duration, an event id, and the category implied by the operation.
 */
import type { BodyItem } from '../parse-body.js';
import { type AttributeValue, durationMs, hexId, isObject, isoFromUnixNano, keyValues, objectsOf } from './otlp-model.js';

export type Signal = 'traces' | 'logs';

export interface OtlpBatch {
  /** one per record, in request order; `index` is the record's position in the request, counted across resources */
  items: BodyItem[];
  /** how each record is named in the partial-success message */
  labels: string[];
}

/** The GenAI evaluation event (semantic conventions: `gen_ai.evaluation.result`) is an LLM judge's verdict. */
const EVALUATION_EVENT = 'gen_ai.evaluation.result';

/**
 * Content attributes are JSON in OTel (message arrays); the contract keeps content as text in `input_text` /
 * `output_text`, where the content storage mode (store/hash/redact/drop) applies to it.
 */
const CONTENT_ATTRIBUTES: Readonly<Record<string, 'input_text' | 'output_text'>> = {
  'gen_ai.input.messages': 'input_text',
  'gen_ai.prompt': 'input_text',
  'gen_ai.output.messages': 'output_text',
  'gen_ai.completion': 'output_text',
};

/**
 * The message events of the earlier GenAI conventions carry the message in the log record's body; it is content too,
 * so it goes where the content mode applies rather than into `extra`.
 */
const MESSAGE_EVENTS: Readonly<Record<string, 'input_text' | 'output_text'>> = {
  'gen_ai.system.message': 'input_text',
  'gen_ai.user.message': 'input_text',
  'gen_ai.tool.message': 'input_text',
  'gen_ai.assistant.message': 'output_text',
  'gen_ai.choice': 'output_text',
};

type Attributes = { [key: string]: AttributeValue };

function isAiSecurityRecord(attributes: Attributes, eventName: string | undefined): boolean {
  if (eventName?.startsWith('gen_ai.')) return true;
  return Object.keys(attributes).some((key) => key === 'category' || key.startsWith('gen_ai.'));
}

/** The category an OTel record implies when it does not carry one (as a `category` attribute). */
function impliedCategory(attributes: Attributes, eventName: string | undefined): string {
  if (eventName === EVALUATION_EVENT) return 'judge_flag';
  if (attributes['gen_ai.operation.name'] === 'execute_tool') return 'tool_invocation';
  return 'request';
}

function withContent(attributes: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    const field = CONTENT_ATTRIBUTES[key];
    if (field === undefined) out[key] = value;
    else if (value !== null && out[field] === undefined) out[field] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** OTLP details with no contract field, kept under `extra.otel` rather than dropped. */
function otelDetails(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}

function scopeName(scope: unknown): string | undefined {
  if (!isObject(scope) || typeof scope.name !== 'string' || scope.name === '') return undefined;
  return typeof scope.version === 'string' && scope.version !== '' ? `${scope.name}@${scope.version}` : scope.name;
}

/** Refused before validation; the partial-success message puts the record's label in front. */
function notAiSecurity(index: number): BodyItem {
  return {
    index,
    error: 'it carries no gen_ai.* attribute and no category attribute, so it is not an AI-security record (filter such records out in the collector or SDK)',
  };
}

/** Spans of an ExportTraceServiceRequest (JSON form). Identity: trace id + span id. */
export function spanRecords(request: unknown): OtlpBatch {
  const batch: OtlpBatch = { items: [], labels: [] };
  const root = isObject(request) ? request : {};
  for (const resourceSpans of objectsOf(root.resourceSpans)) {
    const resource = keyValues(isObject(resourceSpans.resource) ? resourceSpans.resource.attributes : undefined);
    for (const scopeSpans of objectsOf(resourceSpans.scopeSpans)) {
      const scope = scopeName(scopeSpans.scope);
      for (const span of objectsOf(scopeSpans.spans)) {
        const index = batch.items.length;
        const traceId = hexId(span.traceId, 16);
        const spanId = hexId(span.spanId, 8);
        const name = typeof span.name === 'string' ? span.name : '';
        const label = `span ${index}${name ? ` "${name}"` : ''}${traceId && spanId ? ` (trace ${traceId}, span ${spanId})` : ''}`;
        batch.labels.push(label);
        const own = keyValues(span.attributes);
        const attributes: Attributes = { ...resource, ...own };
        if (!isAiSecurityRecord(own, undefined)) {
          batch.items.push(notAiSecurity(index));
          continue;
        }
        const status = isObject(span.status) ? span.status : {};
        const value: Record<string, unknown> = {
          ...withContent(attributes),
          otel: otelDetails({
            signal: 'span',
            span_id: spanId,
            parent_span_id: hexId(span.parentSpanId, 8),
            span_name: name,
            span_kind: span.kind,
            status_code: status.code,
            status_message: status.message,
            scope,
          }),
        };
        value.timestamp ??= isoFromUnixNano(span.startTimeUnixNano);
        value.category ??= impliedCategory(attributes, undefined);
        if (traceId) value.trace_id ??= traceId;
        value.latency_ms ??= durationMs(span.startTimeUnixNano, span.endTimeUnixNano);
        // a span is identified by its ids: a retried export is recognized as a duplicate
        if (traceId && spanId) value.event_id ??= `otel:${traceId}:${spanId}`;
        batch.items.push({ index, value: dropUndefined(value) });
      }
    }
  }
  return batch;
}

/** Log records of an ExportLogsServiceRequest (JSON form). Identity: the validator's content hash of the event. */
export function logRecords(request: unknown): OtlpBatch {
  const batch: OtlpBatch = { items: [], labels: [] };
  const root = isObject(request) ? request : {};
  for (const resourceLogs of objectsOf(root.resourceLogs)) {
    const resource = keyValues(isObject(resourceLogs.resource) ? resourceLogs.resource.attributes : undefined);
    for (const scopeLogs of objectsOf(resourceLogs.scopeLogs)) {
      const scope = scopeName(scopeLogs.scope);
      for (const record of objectsOf(scopeLogs.logRecords)) {
        const index = batch.items.length;
        const own = keyValues(record.attributes);
        const eventName =
          typeof record.eventName === 'string' && record.eventName !== ''
            ? record.eventName
            : typeof own['event.name'] === 'string'
              ? own['event.name']
              : undefined;
        const traceId = hexId(record.traceId, 16);
        const spanId = hexId(record.spanId, 8);
        const label = `log record ${index}${eventName ? ` "${eventName}"` : ''}${traceId && spanId ? ` (trace ${traceId}, span ${spanId})` : ''}`;
        batch.labels.push(label);
        const attributes: Attributes = { ...resource, ...own };
        if (!isAiSecurityRecord(own, eventName)) {
          batch.items.push(notAiSecurity(index));
          continue;
        }
        const body = record.body === undefined ? undefined : keyValues([{ key: 'body', value: record.body }]).body;
        const bodyText = body === null || body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
        const messageField = eventName === undefined ? undefined : MESSAGE_EVENTS[eventName];
        const content = withContent(attributes);
        const bodyIsContent = messageField !== undefined && bodyText !== undefined && bodyText !== null && content[messageField] === undefined;
        if (bodyIsContent) content[messageField] = bodyText;
        const value: Record<string, unknown> = {
          ...content,
          otel: otelDetails({
            signal: 'log',
            event_name: eventName,
            span_id: spanId,
            severity_text: record.severityText,
            severity_number: record.severityNumber,
            body: bodyIsContent ? undefined : bodyText,
            scope,
          }),
        };
        value.timestamp ??= isoFromUnixNano(record.timeUnixNano) ?? isoFromUnixNano(record.observedTimeUnixNano);
        value.category ??= impliedCategory(attributes, eventName);
        if (traceId) value.trace_id ??= traceId;
        batch.items.push({ index, value: dropUndefined(value) });
      }
    }
  }
  return batch;
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
