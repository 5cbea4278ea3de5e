/**
 * Backpressure shared by every ingest route (POST /v1/events, /v1/traces, /v1/logs): at most
 * AISEC_MAX_CONCURRENT_INGEST bodies are held at once, whichever route they came by (memory ≤ that × the body
 * limit); the rest are refused with 503 + Retry-After before their body is read. When Elasticsearch slows down,
 * requests pile up in the clients, not in memory.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface IngestAdmission {
  onRequest(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
  onResponse(request: FastifyRequest): Promise<void>;
  onRequestAbort(request: FastifyRequest): Promise<void>;
}

export function ingestAdmission(maxConcurrent: number): IngestAdmission {
  let ingesting = 0;
  const admitted = new WeakSet<object>();
  const release = async (request: FastifyRequest) => {
    if (admitted.delete(request)) ingesting--;
  };
  return {
    async onRequest(request, reply) {
      if (ingesting >= maxConcurrent) {
        return reply
          .code(503)
          .header('Retry-After', '2')
          .send({ statusCode: 503, error: 'Service Unavailable', message: `${ingesting} ingest requests are in progress (AISEC_MAX_CONCURRENT_INGEST); retry after 2s` });
      }
      ingesting++;
      admitted.add(request);
      return undefined;
    },
    onResponse: release,
    onRequestAbort: release,
  };
}
