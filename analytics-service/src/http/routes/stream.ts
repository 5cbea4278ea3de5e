/**
 * GET /v1/events/stream — live tail of events as Server-Sent Events (role: read).
 *
 * Events are followed by `event.ingested`: every poll reads (newest delivered − overlap, now], so events that
 * become searchable a little late (bulk in flight, refresh pending) are still delivered, and the ids already sent
 * inside the overlap are skipped. Memory per client is bounded: one page of events is held at a time, and when the
 * client reads slowly the socket's back-pressure pauses polling rather than buffering (the tail lags, nothing is
 * dropped). A comment line is sent as a heartbeat so proxies keep the connection open; the stream ends cleanly when
 * the client goes away or the service shuts down (an `end` event first).
 *
 * Each message: `id: <position>` (resume with the standard Last-Event-ID header), `event: event`,
 * `data: <the event in the contract shape>`.
 */
import type { ServerResponse } from 'node:http';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EventTail } from '../../elasticsearch/event-tail.js';
import { TERM_FILTER_FIELDS, type TermFilterField } from '../../elasticsearch/event-store.js';
import { metrics } from '../../observability/metrics.js';
import { TailFollower } from '../../stream/tail-follower.js';
import { REQUEST_ID_HEADER } from '../../observability/request-id.js';
import { CursorError, decodeCursor, encodeCursor, isSortPosition } from '../cursor.js';
import { checkTermFilters } from '../filters.js';
import { ErrorResponse, ExactValue, Since } from '../schemas/common.js';
import { parseSince } from '../time-range.js';

export interface StreamOptions {
  /** time between polls of Elasticsearch when the tail is caught up */
  pollMs?: number;
  /** how far back each poll re-reads to catch events that became searchable late */
  overlapMs?: number;
  /** events read per Elasticsearch request (and the most held in memory per client) */
  pageSize?: number;
  /** open streams one API key may hold; one more is refused with 429 (AISEC_MAX_STREAMS_PER_KEY) */
  maxPerKey?: number;
}

export const DEFAULT_MAX_STREAMS_PER_KEY = 8;

const StreamQuery = Type.Object(
  {
    since: Type.Optional(Since),
    ...Object.fromEntries(TERM_FILTER_FIELDS.map((f) => [f, Type.Optional(ExactValue(`exact ${f}`))])),
    heartbeat: Type.Integer({ minimum: 1, maximum: 300, default: 15, description: 'seconds between heartbeat comments' }),
  },
  { additionalProperties: false },
);

const EXAMPLE_STREAM = [
  'retry: 3000',
  ': connected',
  '',
  'id: WzE3NzA4MjAyMDAxMjMsImV2dC0xIl0',
  'event: event',
  'data: {"timestamp":"2026-02-11T14:30:00Z","category":"prompt_attack","event_id":"evt-1","user_id":"jgill@example.com","severity":"high","decision":"block"}',
  '',
  ': heartbeat 2026-02-11T14:30:15.000Z',
  '',
].join('\n');

function write(raw: ServerResponse, chunk: string): Promise<boolean> {
  if (raw.destroyed || raw.writableEnded) return Promise.resolve(false);
  if (raw.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      raw.off('drain', onDrain);
      raw.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    raw.once('drain', onDrain);
    raw.once('close', onClose);
  });
}

export const streamRoutes: FastifyPluginAsyncTypebox<StreamOptions> = async (app, options) => {
  const settings: Required<StreamOptions> = {
    pollMs: options.pollMs ?? 1000,
    overlapMs: options.overlapMs ?? 5000,
    pageSize: options.pageSize ?? 500,
    maxPerKey: options.maxPerKey ?? DEFAULT_MAX_STREAMS_PER_KEY,
  };
  // every open stream polls Elasticsearch: each key may hold a bounded number at once
  const openPerKey = new Map<string, number>();
  const tail = new EventTail(app.es, app.indices.events);
  const open = new Set<(reason: string) => void>();

  app.addHook('preClose', async () => {
    for (const end of [...open]) end('the service is shutting down');
  });

  app.get(
    '/v1/events/stream',
    {
      config: { role: 'read' },
      schema: {
        tags: ['events'],
        summary: 'Live tail of events as Server-Sent Events (role: read)',
        description:
          'Streams events as they are ingested (ordered by event.ingested), filtered by exact values. `since=5m` first replays the ' +
          'last five minutes. Messages are `event: event` with the event as JSON in `data`; `id` is a position that the ' +
          'Last-Event-ID header resumes after. A `: heartbeat` comment is sent every `heartbeat` seconds; `event: warning` tells of an ' +
          'Elasticsearch outage (the stream keeps trying); `event: end` is sent before the service closes the stream. One API key may ' +
          'hold AISEC_MAX_STREAMS_PER_KEY streams at once (default 8); one more is answered 429 with Retry-After.',
        querystring: StreamQuery,
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream', examples: [EXAMPLE_STREAM] }), 400: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      app.assertReady();
      const query = request.query as Record<string, string | number | undefined> & { heartbeat: number; since?: string };
      const terms: Partial<Record<TermFilterField, string>> = {};
      for (const field of TERM_FILTER_FIELDS) if (typeof query[field] === 'string') terms[field] = query[field] as string;
      const lastEventId = request.headers['last-event-id'];
      checkTermFilters(terms);
      const floor = typeof lastEventId === 'string' && lastEventId !== '' ? decodeCursor(lastEventId, isSortPosition) : undefined;
      // a position is an event.ingested time this service handed out: from 1970 until (a little after) now
      if (floor && (floor[0] < 0 || floor[0] > Date.now() + 86_400_000)) {
        throw new CursorError('Last-Event-ID is not a position this stream sent: pass the id of the last message received unchanged');
      }
      const start = floor ? floor[0] : Date.now() - (query.since ? parseSince(query.since) : 0);
      const follower = new TailFollower(tail, terms, start, floor, settings);

      const holder = request.callerName ?? request.callerRole ?? 'anonymous';
      const held = openPerKey.get(holder) ?? 0;
      if (held >= settings.maxPerKey) {
        return reply
          .code(429)
          .header('Retry-After', '30')
          .send({
            statusCode: 429,
            error: 'Too Many Requests',
            message: `this API key already holds ${held} open event streams, the most allowed (AISEC_MAX_STREAMS_PER_KEY); close one first`,
          });
      }
      openPerKey.set(holder, held + 1);
      const release = () => {
        const left = (openPerKey.get(holder) ?? 1) - 1;
        if (left > 0) openPerKey.set(holder, left);
        else openPerKey.delete(holder);
      };

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        [REQUEST_ID_HEADER]: request.id,
      });
      metrics.streamClients.inc();
      await write(raw, 'retry: 3000\n: connected\n\n');

      let stopped = false;
      let wake: (() => void) | undefined;
      const sleep = (ms: number) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      const stop = () => {
        stopped = true;
        wake?.();
      };
      const end = (reason: string) => {
        if (!raw.writableEnded && !raw.destroyed) raw.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
        stop();
      };
      open.add(end);
      raw.on('close', stop);
      const heartbeat = setInterval(() => void write(raw, `: heartbeat ${new Date().toISOString()}\n\n`), query.heartbeat * 1000);

      let failing = false;
      try {
        while (!stopped) {
          try {
            await follower.poll(async (batch) => {
              let chunk = '';
              for (const { position, event } of batch) chunk += `id: ${encodeCursor(position)}\nevent: event\ndata: ${JSON.stringify(event)}\n\n`;
              return !stopped && (await write(raw, chunk));
            });
            if (failing) await write(raw, `event: warning\ndata: ${JSON.stringify({ message: 'Elasticsearch is reachable again; the tail resumes' })}\n\n`);
            failing = false;
            await sleep(settings.pollMs);
          } catch (error) {
            if (!failing) {
              request.log.warn({ err: error }, 'event stream poll failed; retrying');
              await write(raw, `event: warning\ndata: ${JSON.stringify({ message: `cannot read events: ${(error as Error).message}; retrying` })}\n\n`);
            }
            failing = true;
            await sleep(Math.max(settings.pollMs, 5000));
          }
        }
      } finally {
        release();
        clearInterval(heartbeat);
        open.delete(end);
        metrics.streamClients.dec();
        if (!raw.writableEnded) raw.end();
      }
    },
  );
};
