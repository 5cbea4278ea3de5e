/**
 * pino options with secrets redacted: API keys and Elasticsearch credentials never reach the log.
 *
 * Two formats: `json` (one object per line, for log shippers) and `pretty` (pino-pretty's colourised lines, for a
 * person at a terminal). LOG_FORMAT chooses; unset, a terminal gets `pretty` and anything else (a pipe, a file, a
 * container's log driver) gets `json`.
 */
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

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** LOG_FORMAT, or by default `pretty` on a terminal and `json` elsewhere. */
export function logFormatFrom(setting: LogFormat | undefined, stdoutIsTty: boolean): LogFormat {
  return setting ?? (stdoutIsTty ? 'pretty' : 'json');
}

export function redactedLogOptions(level: string, format: LogFormat = 'json'): FastifyServerOptions['logger'] {
  const redact = { paths: REDACTED_PATHS, censor: '[redacted]' };
  if (format === 'json') return { level, redact };
  return {
    level,
    redact,
    // pino-pretty runs in pino's transport worker, off the request path
    transport: {
      target: 'pino-pretty',
      // NO_COLOR (no-color.org) turns the colours off; the layout stays
      options: { colorize: !process.env.NO_COLOR, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true },
    },
  };
}
