/**
 * One error handler: 4xx messages go back to the caller as they are, 5xx are logged with the request
 * and answered with a generic message. Elasticsearch outages become 503 with Retry-After.
 */
import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import { elasticsearchClientStatus, ElasticsearchUnavailableError, logFields } from '../../elasticsearch/errors.js';
import { BodyError } from '../../ingest/parse-body.js';
import { IngestUnavailableError } from '../../ingest/ingest-events.js';
import { recordIngest } from '../../observability/metrics.js';

export const errorHandler = fp<{ bodyLimitBytes: number }>(
  async (app, options) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof IngestUnavailableError) {
        request.log.warn({ err: error }, 'ingest refused: Elasticsearch unavailable');
        // what was stored before the outage is counted, so the counter keeps agreeing with Elasticsearch
        recordIngest(error.partial, reply.elapsedTime / 1000);
        return reply
          .code(503)
          .header('Retry-After', String(error.retryAfterSeconds))
          .send({
            statusCode: 503,
            error: 'Service Unavailable',
            message: `${error.message}. Retry the whole batch after ${error.retryAfterSeconds}s: events already stored will be reported as duplicates, never stored twice.`,
            ...error.partial,
          });
      }
      if (error instanceof ElasticsearchUnavailableError) {
        request.log.warn({ err: error }, 'Elasticsearch unavailable');
        return reply
          .code(503)
          .header('Retry-After', String(error.retryAfterSeconds))
          .send({ statusCode: 503, error: 'Service Unavailable', message: error.message });
      }
      const esStatus = elasticsearchClientStatus(error);
      if (esStatus !== undefined) {
        // a request Elasticsearch would not run (a value no check here caught) or could not (credentials): its words
        // and exception types stay in the log; the caller learns what to do
        request.log.warn(logFields(error), 'Elasticsearch refused a request');
        if (esStatus === 401 || esStatus === 403) {
          return reply
            .code(503)
            .header('Retry-After', '30')
            .send({ statusCode: 503, error: 'Service Unavailable', message: 'the service cannot use Elasticsearch with its credentials; an operator should check GET /ready' });
        }
        if (esStatus >= 400 && esStatus < 500) {
          return reply.code(400).send({
            statusCode: 400,
            error: 'Bad Request',
            message: `a value in this request is outside what can be searched (a date, number or address out of range); check the parameters. Request id ${request.id}`,
          });
        }
        request.log.error(logFields(error), 'unhandled Elasticsearch error');
        return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: `internal error; see the service log for request id ${request.id}` });
      }
      if (error instanceof BodyError) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: error.message });
      }
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply.code(413).send({
          statusCode: 413,
          error: 'Payload Too Large',
          message: `request body is larger than the ${options.bodyLimitBytes} bytes allowed (AISEC_BODY_LIMIT_BYTES); split the batch`,
        });
      }
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return reply.code(415).send({
          statusCode: 415,
          error: 'Unsupported Media Type',
          message: `unsupported Content-Type "${request.headers['content-type'] ?? ''}": send application/json or application/x-ndjson`,
        });
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return reply.code(status).send({ statusCode: status, error: error.name === 'Error' ? 'Bad Request' : error.name, message: error.message });
      }
      if (status === 503) {
        // load shedding (under-pressure) and other deliberate refusals: keep their status and Retry-After
        if (!reply.hasHeader('Retry-After')) reply.header('Retry-After', '5');
        return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: error.message });
      }
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'internal error; see the service log for this request id' });
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
    );
  },
  { name: 'error-handler' },
);
