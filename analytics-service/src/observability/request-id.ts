/**
 * Request ids. A caller's `x-request-id` is honoured (Fastify reads it: `requestIdHeader`), so one id follows a
 * request from a gateway through this service's logs; otherwise a random UUID is made here. Either way the id is
 * echoed in the `x-request-id` response header and logged as `reqId` on every line of the request.
 */
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Fastify `genReqId`: used only when the request carries no x-request-id. */
export function generateRequestId(): string {
  return randomUUID();
}
