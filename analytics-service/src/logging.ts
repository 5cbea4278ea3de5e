/** pino options with secrets redacted: API keys and Elasticsearch credentials never reach the log. */
import type { FastifyServerOptions } from 'fastify';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'config.apiKeys',
  'config.elasticsearch.apiKey',
  'config.elasticsearch.password',
  'config.detection.webhooks.secret',
];

export function redactedLogOptions(level: string): FastifyServerOptions['logger'] {
  return { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
}
