/**
 * A real HTTP server standing in for an on-call tool that receives the service's alert webhooks.
 *
 * Modes: `accept` answers 204 and records the delivery; `fail` answers 503 (nothing recorded); `hold` reads the
 * request, records it as seen, and leaves it unanswered until `release()` — a receiver that got the page while
 * the sender dies before hearing back. Signatures are verified when a secret is given.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  type: string;
  deliveryId: string;
  alertId: string;
  severity: string;
  /** the alert as sent */
  alert: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** X-Aisec-Signature checks out over timestamp and raw body (undefined without a secret) */
  verified?: boolean;
}

export type ReceiverMode = 'accept' | 'fail' | 'hold';

export interface WebhookReceiver {
  readonly url: string;
  mode: ReceiverMode;
  /** deliveries answered 2xx, in arrival order (repeats included) */
  readonly accepted: Delivery[];
  /** every request read, whatever the answer (held and failed ones too) */
  readonly seen: Delivery[];
  /** requests that reached the server, answered or not */
  attempts(): number;
  /** answers the held requests (204, and records them as accepted) */
  release(): void;
  /** accepted deliveries de-duplicated by X-Aisec-Delivery, as a receiver following the docs would */
  unique(): Delivery[];
  close(): Promise<void>;
}

export function verifySignature(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const timestamp = String(headers['x-aisec-timestamp'] ?? '');
  const signature = String(headers['x-aisec-signature'] ?? '');
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

export async function startWebhookReceiver(options: { secret?: string; mode?: ReceiverMode } = {}): Promise<WebhookReceiver> {
  const accepted: Delivery[] = [];
  const seen: Delivery[] = [];
  const held: Array<{ delivery: Delivery; response: ServerResponse }> = [];
  let attempts = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      attempts++;
      const body = Buffer.concat(chunks).toString('utf8');
      const payload = JSON.parse(body) as { type: string; delivery_id: string; severity: string; alert: Record<string, unknown> & { id: string } };
      const delivery: Delivery = {
        type: payload.type,
        deliveryId: String(request.headers['x-aisec-delivery']),
        alertId: payload.alert.id,
        severity: payload.severity,
        alert: payload.alert,
        headers: request.headers,
        ...(options.secret ? { verified: verifySignature(options.secret, request.headers, body) } : {}),
      };
      seen.push(delivery);
      if (receiver.mode === 'fail') {
        response.writeHead(503).end();
      } else if (receiver.mode === 'hold') {
        held.push({ delivery, response });
      } else {
        accepted.push(delivery);
        response.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/aisec`,
    mode: options.mode ?? 'accept',
    accepted,
    seen,
    attempts: () => attempts,
    release() {
      for (const { delivery, response } of held.splice(0)) {
        accepted.push(delivery);
        if (!response.destroyed) response.writeHead(204).end();
      }
    },
    unique() {
      const byId = new Map<string, Delivery>();
      for (const d of accepted) if (!byId.has(d.deliveryId)) byId.set(d.deliveryId, d);
      return [...byId.values()];
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return receiver;
}
