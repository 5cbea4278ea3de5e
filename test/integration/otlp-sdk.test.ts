/**
 * OTLP/HTTP ingest with the official OpenTelemetry JS SDK (sdk-trace 2.12.1, sdk-logs / OTLP exporters 0.223.1, whose
 * serializers the OpenTelemetry project wrote, independent of the decoder the service uses): its JSON and protobuf
 * exporters for traces and for logs send GenAI spans and log records to the real service over real HTTP, with and
 * without gzip. Expected events are derived by hand from the GenAI semantic conventions (1.45) and the contract.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel, SpanKind } from '@opentelemetry/api';
import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { KEYS } from '../support/service.js';
import { waitFor } from '../support/wait.js';

let service: ServiceProcess;
/** what the SDK's exporters reported through OpenTelemetry's diagnostic logger (partial success is a warning) */
const warnings: string[] = [];

before(async () => {
  service = await startServiceProcess({ name: 'otlp-sdk' });
  diag.setLogger(
    {
      error: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
      warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
});
after(async () => {
  diag.disable();
  await service?.stop();
});

interface StoredEvent {
  [field: string]: unknown;
  event_id: string;
  extra?: { otel?: Record<string, unknown> } & Record<string, unknown>;
}

async function eventsOf(user: string): Promise<StoredEvent[]> {
  const response = await service.request('read', `/v1/events?user_id=${encodeURIComponent(user)}&limit=100`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { events: StoredEvent[] }).events;
}

/** Waits until `count` events of `user` are searchable. */
const storedEvents = (user: string, count: number) =>
  waitFor(`${count} events of ${user}`, async () => {
    const events = await eventsOf(user);
    return events.length >= count ? events : undefined;
  });

/**
 * Makes every write so far searchable: POST /v1/events?refresh=wait_for answers after a refresh of the events index,
 * which covers the OTLP writes before it. Used to show that a replay stored nothing.
 */
async function refreshEvents(): Promise<void> {
  const response = await service.request('ingest', '/v1/events?refresh=wait_for', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ timestamp: '2026-02-11T00:00:00Z', category: 'request', user_id: 'otlp-refresh-marker' }),
  });
  assert.equal(response.status, 200);
}

/** An SDK exporter's own result for one export call: 0 is ExportResultCode.SUCCESS. */
function exportWith<T>(exporter: { export(items: T[], done: (result: { code: number; error?: Error }) => void): void }, items: T[]) {
  return new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(items, resolve));
}

const headers = { Authorization: `Bearer ${KEYS.ingest}` };
// 2026-02-11T14:30:00.123456789Z as OTel HrTime [seconds, nanoseconds]
const START: [number, number] = [Date.parse('2026-02-11T14:30:00Z') / 1000, 123_456_789];
const END: [number, number] = [START[0], START[1] + 250_000_000];

/** Spans recorded by the real SDK: a GenAI chat call, a tool execution, and an HTTP span that is no AI-security record. */
function recordSpans(user: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('aisec-otlp-test', '1.0.0');
  const chat = tracer.startSpan('chat gpt-4o', {
    kind: SpanKind.CLIENT,
    startTime: START,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 480,
      'gen_ai.conversation.id': 'conv-42',
      'user.id': user,
      'client.address': '203.0.113.7',
    },
  });
  chat.end(END);
  const tool = tracer.startSpan('execute_tool send_email', {
    kind: SpanKind.INTERNAL,
    startTime: START,
    attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'send_email', 'gen_ai.agent.id': 'agent-7', 'user.id': user },
  });
  tool.end(END);
  const http = tracer.startSpan('GET /health', { startTime: START, attributes: { 'http.request.method': 'GET', 'user.id': user } });
  http.end(END);
  return memory.getFinishedSpans();
}

function recordLogs(user: string): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const logger = provider.getLogger('aisec-otlp-test', '1.0.0');
  logger.emit({
    eventName: 'gen_ai.evaluation.result',
    timestamp: START,
    attributes: {
      'gen_ai.evaluation.name': 'Relevance',
      'gen_ai.evaluation.score.value': 0.91,
      'gen_ai.evaluation.score.label': 'relevant',
      judge_model: 'judge-llm-1',
      'user.id': user,
    },
  });
  logger.emit({
    eventName: 'gen_ai.client.inference.operation.details',
    timestamp: END,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'claude-sonnet',
      'gen_ai.system': 'anthropic',
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hello"}]}]',
      'user.id': user,
    },
  });
  logger.emit({ timestamp: END, body: 'user logged in', attributes: { 'user.id': user } });
  return memory.getFinishedLogRecords();
}

const COMPRESSION = { gzip: CompressionAlgorithm.GZIP, none: CompressionAlgorithm.NONE } as const;

const exporters = {
  traces: {
    json: (compression: 'gzip' | 'none') => new JsonTraceExporter({ url: `${service.url}/v1/traces`, headers, compression: COMPRESSION[compression] }),
    protobuf: (compression: 'gzip' | 'none') => new ProtoTraceExporter({ url: `${service.url}/v1/traces`, headers, compression: COMPRESSION[compression] }),
  },
  logs: {
    json: (compression: 'gzip' | 'none') => new JsonLogExporter({ url: `${service.url}/v1/logs`, headers, compression: COMPRESSION[compression] }),
    protobuf: (compression: 'gzip' | 'none') => new ProtoLogExporter({ url: `${service.url}/v1/logs`, headers, compression: COMPRESSION[compression] }),
  },
};

const cases = [
  { encoding: 'json', compression: 'none' },
  { encoding: 'protobuf', compression: 'gzip' },
  { encoding: 'json', compression: 'gzip' },
  { encoding: 'protobuf', compression: 'none' },
] as const;

describe('OpenTelemetry JS SDK → POST /v1/traces', () => {
  for (const { encoding, compression } of cases.slice(0, 2)) {
    test(`${encoding} exporter (compression ${compression}): GenAI spans become contract events, replays are duplicates, the HTTP span is refused by name`, async () => {
      const user = `otel-trace-${encoding}-${compression}`;
      const spans = recordSpans(user);
      const exporter = exporters.traces[encoding](compression);
      const before = warnings.length;
      const result = await exportWith(exporter, spans);
      assert.equal(result.code, 0, `export failed: ${result.error?.message}`);

      const events = await storedEvents(user, 2);
      const chatSpan = spans.find((s) => s.name === 'chat gpt-4o')!;
      const { traceId, spanId } = chatSpan.spanContext();
      const chat = events.find((e) => e.category === 'request')!;
      assert.ok(chat, 'the chat span is stored as a request');
      // hand-derived from the GenAI conventions through the contract's aliases
      assert.deepEqual(
        {
          event_id: chat.event_id,
          timestamp: chat.timestamp,
          trace_id: chat.trace_id,
          ai_system_id: chat.ai_system_id,
          provider: chat.provider,
          model: chat.model,
          model_version: chat.model_version,
          tokens_in: chat.tokens_in,
          tokens_out: chat.tokens_out,
          session_id: chat.session_id,
          src_ip: chat.src_ip,
          latency_ms: chat.latency_ms,
        },
        {
          event_id: `otel:${traceId}:${spanId}`,
          timestamp: '2026-02-11T14:30:00.123456789Z',
          trace_id: traceId,
          ai_system_id: 'support-bot',
          provider: 'openai',
          model: 'gpt-4o',
          model_version: 'gpt-4o-2024-08-06',
          tokens_in: 120,
          tokens_out: 480,
          session_id: 'conv-42',
          src_ip: '203.0.113.7',
          latency_ms: 250,
        },
      );
      assert.equal(chat.extra?.['gen_ai.operation.name'], 'chat', 'attributes without a contract field are kept under extra');
      assert.equal(chat.extra?.otel?.span_id, spanId);
      assert.equal(chat.extra?.otel?.span_name, 'chat gpt-4o');

      const tool = events.find((e) => e.category === 'tool_invocation')!;
      assert.ok(tool, 'the execute_tool span is a tool invocation');
      assert.equal(tool.tool_name, 'send_email');
      assert.equal(tool.agent_id, 'agent-7');

      // the exporter itself reported our partial success, naming the refused span
      const partial = await waitFor('the partial-success warning', async () => warnings.slice(before).find((w) => w.includes('Partial Success')));
      assert.match(partial, /rejectedSpans"?:"?1/);
      assert.match(partial, /1 of 3 spans refused/);
      assert.match(partial, /span 2 \\"GET \/health\\"/);
      assert.match(partial, /span 2 \\"GET \/health\\" \(trace [0-9a-f]{32}, span [0-9a-f]{16}\): it carries no gen_ai\.\* attribute/);

      // a retried export is recognized by trace and span id: nothing stored twice
      const replay = await exportWith(exporter, spans);
      assert.equal(replay.code, 0, `replay failed: ${replay.error?.message}`);
      await refreshEvents();
      assert.equal((await eventsOf(user)).length, 2);
      await exporter.shutdown();
    });
  }
});

describe('OpenTelemetry JS SDK → POST /v1/logs', () => {
  for (const { encoding, compression } of cases.slice(2)) {
    test(`${encoding} exporter (compression ${compression}): evaluation and inference events become contract events, replays are duplicates`, async () => {
      const user = `otel-logs-${encoding}-${compression}`;
      const records = recordLogs(user);
      const exporter = exporters.logs[encoding](compression);
      const before = warnings.length;
      const result = await exportWith(exporter, records);
      assert.equal(result.code, 0, `export failed: ${result.error?.message}`);

      const events = await storedEvents(user, 2);
      const evaluation = events.find((e) => e.category === 'judge_flag')!;
      assert.ok(evaluation, 'gen_ai.evaluation.result is an LLM judge verdict (judge_flag)');
      assert.deepEqual(
        {
          timestamp: evaluation.timestamp,
          judge_score: evaluation.judge_score,
          judge_verdict: evaluation.judge_verdict,
          judge_model: evaluation.judge_model,
          ai_system_id: evaluation.ai_system_id,
        },
        { timestamp: '2026-02-11T14:30:00.123456789Z', judge_score: 0.91, judge_verdict: 'relevant', judge_model: 'judge-llm-1', ai_system_id: 'support-bot' },
      );
      assert.equal(evaluation.extra?.['gen_ai.evaluation.name'], 'Relevance');
      assert.equal(evaluation.extra?.otel?.event_name, 'gen_ai.evaluation.result');

      const inference = events.find((e) => e.category === 'request')!;
      assert.ok(inference);
      assert.equal(inference.timestamp, '2026-02-11T14:30:00.373456789Z');
      assert.equal(inference.model, 'claude-sonnet');
      assert.equal(inference.provider, 'anthropic', 'the deprecated gen_ai.system still names the provider');
      assert.equal(inference.input_text, '[{"role":"user","parts":[{"type":"text","content":"hello"}]}]', 'message content is input_text, under the content mode');
      assert.match(inference.event_id, /^sha256:/, 'log records are identified by a hash of their content');

      const partial = await waitFor('the partial-success warning', async () => warnings.slice(before).find((w) => w.includes('Partial Success')));
      assert.match(partial, /rejectedLogRecords"?:"?1/);
      assert.match(partial, /log record 2: /);

      const replay = await exportWith(exporter, records);
      assert.equal(replay.code, 0, `replay failed: ${replay.error?.message}`);
      await refreshEvents();
      assert.equal((await eventsOf(user)).length, 2);
      await exporter.shutdown();
    });
  }
});
