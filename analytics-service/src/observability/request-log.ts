/**
 * Request logging with the polls turned down: Fastify logs every request at info; the requests a load balancer,
 * an orchestrator or Prometheus send every few seconds (`/ready`, `/metrics`) are logged at debug, so
 * an info-level log shows what people and producers did. A poll that fails is still logged as Fastify logs errors.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export const POLLED_PATHS: ReadonlySet<string> = new Set(['/ready', '/metrics']);

const isPoll = (request: FastifyRequest) => POLLED_PATHS.has(request.url.split('?')[0]!);

export class QuietPollsLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!isPoll(request)) return super.incomingRequest(request, reply, metadata);
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (error || !isPoll(request)) return super.requestCompleted(error, request, reply, metadata);
    if (!this.isLogDisabled(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
