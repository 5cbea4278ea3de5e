/**
 * Bearer API-key authentication. Every route declares the role it needs in `config.role`;
 * routes without one (health, readiness, docs) are open.
 * Keys are compared in constant time over their SHA-256 digests, and every key is checked,
 * so neither the match position nor the key length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKey } from '../../config.js';
import { roleAllows, type Role } from './roles.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** role a caller's key must hold; absent = open route */
    role?: Role;
    /** open route that says more to a caller presenting a valid key (GET /ready): identify, never refuse */
    identify?: boolean;
  }
  interface FastifyRequest {
    /** role of the authenticated caller, when the route required one */
    callerRole?: Role;
    /** name of the authenticated caller's key (AISEC_API_KEYS `name=role:key`): the actor in audit trails */
    callerName?: string;
  }
}

export interface AuthOptions {
  apiKeys: ApiKey[];
  disabled: boolean;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export type KeyDigests = Array<{ name: string; role: Role; digest: Buffer }>;

/** Name of the caller when authentication is off (local demo): every request acts as admin under this name. */
export const LOCAL_DEMO_ACTOR = 'local-demo';

export function keyDigests(apiKeys: ApiKey[]): KeyDigests {
  return apiKeys.map((k) => ({ name: k.name, role: k.role, digest: digest(k.key) }));
}

export function findKey(keys: KeyDigests, presented: string): { name: string; role: Role } | undefined {
  const candidate = digest(presented);
  let found: { name: string; role: Role } | undefined;
  for (const key of keys) if (timingSafeEqual(key.digest, candidate) && found === undefined) found = { name: key.name, role: key.role };
  return found;
}

export function findRole(keys: KeyDigests, presented: string): Role | undefined {
  return findKey(keys, presented)?.role;
}

export const apiKeyAuth = fp<AuthOptions>(
  async (app, options) => {
    const keys = keyDigests(options.apiKeys);
    const identify = (request: FastifyRequest) => {
      if (options.disabled) {
        request.callerRole = 'admin';
        request.callerName = LOCAL_DEMO_ACTOR;
        return;
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
      const found = match ? findKey(keys, match[1]!) : undefined;
      if (found) {
        request.callerRole = found.role;
        request.callerName = found.name;
      }
    };
    app.decorateRequest('callerRole', undefined);
    app.decorateRequest('callerName', undefined);

    // preParsing: after the route-level rate limiter (so failed guesses count), before any body is parsed
    app.addHook('preParsing', async (request: FastifyRequest, reply: FastifyReply, payload) => {
      const required = request.routeOptions.config?.role;
      if (!required) {
        if (request.routeOptions.config?.identify) identify(request);
        return payload;
      }
      if (options.disabled) {
        request.callerRole = 'admin';
        request.callerName = LOCAL_DEMO_ACTOR;
        return payload;
      }
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) {
        return reply
          .code(401)
          .header('WWW-Authenticate', 'Bearer realm="aisec"')
          .send({ statusCode: 401, error: 'Unauthorized', message: 'missing API key: send Authorization: Bearer <key>' });
      }
      const found = findKey(keys, match[1]!);
      if (!found) {
        return reply
          .code(401)
          .header('WWW-Authenticate', 'Bearer realm="aisec", error="invalid_token"')
          .send({ statusCode: 401, error: 'Unauthorized', message: 'unknown API key' });
      }
      if (!roleAllows(found.role, required)) {
        return reply.code(403).send({
          statusCode: 403,
          error: 'Forbidden',
          message: `this route needs a key with role "${required}" (or admin); the key presented has role "${found.role}"`,
        });
      }
      request.callerRole = found.role;
      request.callerName = found.name;
      return payload;
    });
  },
  { name: 'api-key-auth' },
);
