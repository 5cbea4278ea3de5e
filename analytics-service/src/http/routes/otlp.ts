/**
 * POST /v1/traces, POST /v1/logs — OTLP/HTTP ingest (JSON or protobuf, gzip or not), for OpenTelemetry SDKs and
 * collectors. Authenticated like every ingest call: the ingest key as `Authorization: Bearer <key>`, which OTel
 * exporters send through their `headers` option or OTEL_EXPORTER_OTLP_HEADERS.
 */
import type { IngestAdmission } from '../ingest-admission.js';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { ContentTransform } from '../../ingest/content-mode.js';
import { decodeBody, decompress, ingestOtlp, type OtlpEncoding } from '../../ingest/otlp/ingest-otlp.js';
import { encodeExportResponse, type PartialSuccess } from '../../ingest/otlp/protobuf.js';
import { encodeStatus, rpcCode } from '../../ingest/otlp/status.js';
import type { Signal } from '../../ingest/otlp/records.js';
import { recordIngest } from '../../observability/metrics.js';
import { BodyError } from '../../ingest/parse-body.js';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

const mediaType = (contentType: string | undefined) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

function encodingOf(contentType: string | undefined): OtlpEncoding {
  return mediaType(contentType) === PROTOBUF ? 'protobuf' : 'json';
}

class NotOtlpMediaTypeError extends Error {
  readonly statusCode = 415;
  constructor(contentType: string) {
    super(`Content-Type "${contentType.slice(0, 100)}" is not OTLP/HTTP: send ${PROTOBUF} or ${JSON_TYPE}`);
    this.name = 'Unsupported Media Type';
  }
}

/** OTLP JSON: partial success with its int64 count as a decimal string (proto3 JSON), unset when nothing was refused. */
function jsonResponse(signal: Signal, partial: PartialSuccess | undefined): object {
  if (!partial) return {};
  const count = signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords';
  return { partialSuccess: { [count]: String(partial.rejected), errorMessage: partial.errorMessage } };
}

export const otlpRoutes: FastifyPluginAsyncTypebox<{
  bodyLimitBytes: number;
  bulkChunkSize: number;
  /** shared with POST /v1/events: one bound on bodies held at once */
  admission: IngestAdmission;
  contentTransform: ContentTransform;
}> = async (app, options) => {
  // bodies are read as bytes here: decompression and decoding depend on both Content-Encoding and Content-Type
  app.removeAllContentTypeParsers();
  // every media type is read, so that one OTLP does not speak is refused in OTLP's terms by the handler
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes }, (_req, body, done) => done(null, body));

  // every refusal (ours, authentication's, the error handler's) as the google.rpc.Status OTLP clients expect: protobuf
  // for a protobuf request; for JSON, Status' fields alongside the service's usual error fields
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 400) return payload;
    let error: Record<string, unknown> = {};
    try {
      error = typeof payload === 'string' ? (JSON.parse(payload) as Record<string, unknown>) : {};
    } catch {
      // not our JSON: the message below stands alone
    }
    const status = { code: rpcCode(reply.statusCode), message: typeof error.message === 'string' ? error.message : `HTTP ${reply.statusCode}` };
    if (encodingOf(request.headers['content-type']) === 'protobuf') {
      reply.type(PROTOBUF);
      return Buffer.from(encodeStatus(status));
    }
    reply.type(JSON_TYPE);
    return JSON.stringify({ ...error, ...status });
  });

  const send = (reply: FastifyReply, signal: Signal, encoding: OtlpEncoding, partial: PartialSuccess | undefined) =>
    encoding === 'protobuf'
      ? reply.type(PROTOBUF).send(Buffer.from(encodeExportResponse(signal, partial)))
      : reply.type(JSON_TYPE).send(jsonResponse(signal, partial));

  for (const signal of ['traces', 'logs'] as const) {
    app.post(
      `/v1/${signal}`,
      {
        config: { role: 'ingest' },
        bodyLimit: options.bodyLimitBytes,
        // the bound POST /v1/events shares: bodies held at once, refused before they are read
        onRequest: options.admission.onRequest,
        onResponse: options.admission.onResponse,
        onRequestAbort: options.admission.onRequestAbort,
        schema: {
          tags: ['events'],
          summary: `OTLP/HTTP ${signal} ingest (role: ingest)`,
          description:
            `An OTLP ExportTrace/ExportLogs request as ${JSON_TYPE} or ${PROTOBUF}, optionally Content-Encoding: gzip. ` +
            'Each record carrying gen_ai.* attributes (or a category attribute) becomes one event through the same alias layer and ' +
            'validator as POST /v1/events; spans are identified by trace and span id, log records by a hash of their content, so ' +
            're-exports are not stored twice. Refused records are answered with an OTLP partial success naming them. ' +
            'The answer has the request\'s Content-Type.',
          body: Type.Unknown(),
        },
      },
      async (request, reply) => {
        app.assertReady();
        const type = mediaType(request.headers['content-type']);
        if (type !== JSON_TYPE && type !== PROTOBUF) throw new NotOtlpMediaTypeError(type);
        const encoding = encodingOf(request.headers['content-type']);
        if (!Buffer.isBuffer(request.body) || request.body.length === 0) throw new BodyError(`body is empty: send an OTLP ${signal} export request`);
        const body = await decompress(request.body, request.headers['content-encoding'], options.bodyLimitBytes);
        const exportRequest = decodeBody(signal, encoding, body);
        const outcome = await ingestOtlp(app.events, signal, exportRequest, {
          chunkSize: options.bulkChunkSize,
          transform: options.contentTransform,
          onRefused: ({ index, event_id, reason }) => request.log.warn({ index, event_id, reason }, 'Elasticsearch refused an OTLP record the contract accepts'),
        });
        recordIngest(outcome.result, reply.elapsedTime / 1000);
        return send(reply, signal, encoding, outcome.partialSuccess);
      },
    );
  }
};
