/**
 * POST /v1/events — ingest one event, a JSON array, or NDJSON.
 * GET  /v1/events — filtered, paged reads in the contract shape, as JSON or streamed NDJSON.
 */
import type { IngestAdmission } from '../ingest-admission.js';
import { Readable } from 'node:stream';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AiSecurityEventSchema } from '../../contract/event-schema.js';
import { TERM_FILTER_FIELDS, type EventCursor, type EventFilters } from '../../elasticsearch/event-store.js';
import type { ContentTransform } from '../../ingest/content-mode.js';
import { recordIngest } from '../../observability/metrics.js';
import { ingestEvents } from '../../ingest/ingest-events.js';
import { BodyError, parseJsonBody, parseNdjsonBody } from '../../ingest/parse-body.js';
import { decodeCursor, encodeCursor, isSortPosition } from '../cursor.js';
import { checkTermFilters } from '../filters.js';
import { ErrorResponse, ExactValue, IsoDate, Since } from '../schemas/common.js';
import { resolveRange } from '../time-range.js';

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson'];

const IngestResponse = Type.Object({
  accepted: Type.Integer({ description: 'events newly stored' }),
  rejected: Type.Integer({ description: 'events refused; see errors' }),
  duplicates: Type.Integer({ description: 'events already stored (same event_id); not stored again' }),
  errors: Type.Array(
    Type.Object({
      index: Type.Integer({ description: '0-based position in the array, or line number in NDJSON' }),
      event_id: Type.Optional(Type.String()),
      field: Type.Optional(Type.String()),
      message: Type.String(),
    }),
  ),
  errors_omitted: Type.Optional(Type.Integer({ description: 'errors counted in rejected but not listed' })),
});

const EventsQuery = Type.Object(
  {
    since: Type.Optional(Since),
    from: Type.Optional(IsoDate),
    to: Type.Optional(IsoDate),
    ...Object.fromEntries(TERM_FILTER_FIELDS.map((f) => [f, Type.Optional(ExactValue(`exact ${f}`))])),
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 2048, description: '`next` of the previous page' })),
    format: Type.Union([Type.Literal('json'), Type.Literal('ndjson')], { default: 'json' }),
  },
  { additionalProperties: false },
);

const exampleBatch = [
  {
    timestamp: '2026-02-11T14:30:00Z',
    category: 'judge_flag',
    user_id: 'jgill@example.com',
    endpoint: '/api/v1/chat',
    judge_model: 'gpt-4o',
    judge_score: 0.82,
    guardrail_result: 'pass',
  },
];

export const eventRoutes: FastifyPluginAsyncTypebox<{
  bodyLimitBytes: number;
  bulkChunkSize: number;
  /** shared with the OTLP routes: one bound on bodies held at once */
  admission: IngestAdmission;
  contentTransform: ContentTransform;
}> = async (
  app,
  options,
) => {
  // bodies are parsed here rather than by Fastify so that one bad NDJSON line fails alone
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', ...NDJSON_TYPES], { parseAs: 'string', bodyLimit: options.bodyLimitBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    '/v1/events',
    {
      config: { role: 'ingest' },
      // backpressure: bodies beyond AISEC_MAX_CONCURRENT_INGEST are refused before they are read
      onRequest: options.admission.onRequest,
      onResponse: options.admission.onResponse,
      onRequestAbort: options.admission.onRequestAbort,
      bodyLimit: options.bodyLimitBytes,
      schema: {
        tags: ['events'],
        summary: 'Ingest events (role: ingest)',
        description:
          'One JSON object, a JSON array, or NDJSON (Content-Type: application/x-ndjson). Each event is validated on its own: ' +
          'good events are stored even when others in the batch are rejected. Replays are reported as duplicates. ' +
          'The body may be sent with Content-Encoding: gzip. accepted + rejected + duplicates is always the number of events sent, and ' +
          'accepted is what Elasticsearch stored. ' +
          '200 when nothing was rejected or something was stored; 400 when nothing was stored; 413 over the body limit (decompressed); ' +
          '415 for another content type or encoding; ' +
          '503 with Retry-After when Elasticsearch cannot take the write (retrying the whole batch is safe).',
        querystring: Type.Object({
          refresh: Type.Optional(
            Type.Union([Type.Literal('false'), Type.Literal('true'), Type.Literal('wait_for')], {
              description: 'wait_for: answer once the events are searchable',
            }),
          ),
        }),
        body: Type.Unknown({ examples: [exampleBatch] }),
        response: { 200: IngestResponse, 400: Type.Union([IngestResponse, ErrorResponse]), 413: ErrorResponse, 415: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      app.assertReady();
      const body = request.body;
      if (typeof body !== 'string' || body.trim() === '') throw new BodyError('body is empty: send one event, an array of events, or NDJSON');
      const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const items = NDJSON_TYPES.includes(contentType) ? parseNdjsonBody(body) : parseJsonBody(body);
      if (items.length === 0) throw new BodyError('body holds no events');
      const refresh = request.query.refresh === 'true' ? true : request.query.refresh === 'wait_for' ? 'wait_for' : false;
      const result = await ingestEvents(app.events, items, {
        chunkSize: options.bulkChunkSize,
        refresh,
        transform: options.contentTransform,
        onRefused: ({ index, event_id, reason }) => request.log.warn({ index, event_id, reason }, 'Elasticsearch refused an event the contract accepts'),
      });
      recordIngest(result, reply.elapsedTime / 1000);
      const stored = result.accepted + result.duplicates;
      return reply.code(stored === 0 && result.rejected > 0 ? 400 : 200).send(result);
    },
  );

  app.get(
    '/v1/events',
    {
      config: { role: 'read' },
      schema: {
        tags: ['events'],
        summary: 'List events, newest first (role: read)',
        description:
          'Filters are exact matches (`user_id=*` matches a user literally named "*"); `src_ip` takes an address or a CIDR block ' +
          '(`10.0.0.0/8` matches every address in it). Page with `cursor=<next>`. ' +
          '`format=ndjson` streams one event per line.',
        querystring: EventsQuery,
        response: {
          200: Type.Object({
            events: Type.Array(AiSecurityEventSchema),
            total: Type.Integer({ description: 'events matching the filters' }),
            next: Type.Optional(Type.String({ description: 'cursor of the next page, absent on the last' })),
          }),
          400: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      app.assertReady();
      const query = request.query as Record<string, string | number | undefined> & { limit: number; format: string; cursor?: string };
      const filters: EventFilters = { ...resolveRange(query as { since?: string; from?: string; to?: string }), terms: {} };
      for (const field of TERM_FILTER_FIELDS) {
        const value = query[field];
        if (typeof value === 'string') filters.terms[field] = value;
      }
      checkTermFilters(filters.terms);
      const after = query.cursor ? decodeCursor(query.cursor, isSortPosition) : undefined;

      if (query.format === 'ndjson') {
        // the first page is read before answering, so an Elasticsearch outage is still a 503, not a cut stream
        const store = app.events;
        const pageSize = Math.min(query.limit, 1000);
        const first = await store.search(filters, pageSize, after);
        async function* lines() {
          let page = first;
          let remaining = query.limit;
          for (;;) {
            for (const event of page.events) yield `${JSON.stringify(event)}\n`;
            remaining -= page.events.length;
            if (!page.next || remaining <= 0) return;
            page = await store.search(filters, Math.min(pageSize, remaining), page.next);
          }
        }
        // the 200 schema describes the JSON format; NDJSON is a stream and bypasses serialization
        return reply.type('application/x-ndjson').send(Readable.from(lines()) as never);
      }

      const page = await app.events.search(filters, query.limit, after);
      return { events: page.events, total: page.total, ...(page.next ? { next: encodeCursor(page.next) } : {}) };
    },
  );
};
