/**
 * Load protection: a per-API-key request rate limit (429 with Retry-After) and load shedding when the event
 * loop falls behind (503 with Retry-After), so an overloaded service refuses work instead of growing memory.
 * Open routes (health, readiness, docs) are not limited.
 */
import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyRequest } from 'fastify';

export interface LoadProtectionOptions {
  rateLimitPerMinute: number;
  maxEventLoopDelayMs: number;
  /** whether a presented bearer token is one of the configured keys */
  isKnownKey: (token: string) => boolean;
}

/**
 * A known key is limited on its own budget (many clients share NAT addresses; one key is one client).
 * Unknown or missing keys share their IP's budget, so cycling through guessed keys is limited too.
 * Keys are hashed for the limiter's table, never kept.
 */
function clientKey(isKnownKey: (token: string) => boolean) {
  return (request: FastifyRequest): string => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    return token && isKnownKey(token) ? `key:${createHash('sha256').update(token).digest('hex').slice(0, 32)}` : `ip:${request.ip}`;
  };
}

export const loadProtection = fp<LoadProtectionOptions>(
  async (app, options) => {
    if (options.maxEventLoopDelayMs > 0) {
      await app.register(underPressure, {
        maxEventLoopDelay: options.maxEventLoopDelayMs,
        retryAfter: 5,
        message: 'the service is overloaded; retry later',
      });
    }
    if (options.rateLimitPerMinute > 0) {
      await app.register(rateLimit, {
        max: options.rateLimitPerMinute,
        timeWindow: '1 minute',
        keyGenerator: clientKey(options.isKnownKey),
        allowList: (request) => !request.routeOptions.config?.role,
        errorResponseBuilder: (_request, context) => ({
          statusCode: 429,
          error: 'Too Many Requests',
          message: `rate limit of ${context.max} requests per minute for this API key exceeded; retry after ${context.after}`,
        }),
      });
    }
  },
  { name: 'load-protection' },
);
