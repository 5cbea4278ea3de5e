/**
 * Request ids. A caller's `x-request-id` is honoured when it looks like an id (1–128 characters of letters, digits and
 * `-_.:/+=@`), so one id follows a request from a gateway through this service's logs; anything else (too long, markup,
 * control characters, several headers) is replaced by a random UUID, never reflected. Either way the id is echoed in
 * the `x-request-id` response header and logged as `reqId` on every line of the request.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

const REQUEST_ID = /^[A-Za-z0-9\-_.:/+=@]{1,128}$/;

/** Fastify `genReqId` (with `requestIdHeader: false`, so that every id passes through here). */
export function generateRequestId(request?: IncomingMessage): string {
  const given = request?.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}
