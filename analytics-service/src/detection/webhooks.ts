/**
 * Outbound alert webhooks. Deliveries go through a bounded in-memory queue so detection never waits on a
 * receiver: a full queue drops (and counts) the newest notification. Each delivery is signed and retried with
 * exponential backoff.
 *
 * Signature: `X-Aisec-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Aisec-Timestamp>.<raw body>")>`, with
 * `X-Aisec-Timestamp` in Unix seconds (receivers should refuse stale timestamps) and `X-Aisec-Delivery` a
 * unique id per notification (the same across retries, for de-duplication).
 */
import { metrics } from '../observability/metrics.js';
import { createHmac, randomUUID } from 'node:crypto';
import { severityRank, type Severity } from '../contract/event-schema.js';
import type { AlertNotification } from './alert-writer.js';

export interface WebhookSettings {
  urls: string[];
  minSeverity: Severity;
  secret?: string;
  maxAttempts: number;
  baseDelayMs: number;
  queueSize: number;
  timeoutMs: number;
}

export interface WebhookStats {
  queued: number;
  delivered: number;
  failed: number;
  retried: number;
  dropped: number;
}

interface Delivery {
  id: string;
  url: string;
  body: string;
  attempt: number;
}

export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookDispatcher {
  readonly stats: WebhookStats = { queued: 0, delivered: 0, failed: 0, retried: 0, dropped: 0 };
  private readonly queue: Delivery[] = [];
  private active = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly settings: WebhookSettings,
    private readonly log: { warn(obj: unknown, msg?: string): void },
    private readonly concurrency = 2,
  ) {}

  get enabled(): boolean {
    return this.settings.urls.length > 0;
  }

  notify(notification: AlertNotification): void {
    if (!this.enabled || this.closed) return;
    if (severityRank(notification.alert.severity) < severityRank(this.settings.minSeverity)) return;
    const body = JSON.stringify({ type: notification.kind, alert: notification.alert, sent_at: new Date().toISOString() });
    const id = randomUUID();
    for (const url of this.settings.urls) this.enqueue({ id, url, body, attempt: 0 });
  }

  private enqueue(delivery: Delivery): void {
    if (this.queue.length >= this.settings.queueSize) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(delivery);
    this.stats.queued = this.queue.length;
    this.pump();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0 && !this.closed) {
      const delivery = this.queue.shift()!;
      this.stats.queued = this.queue.length;
      this.active++;
      void this.deliver(delivery).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'aisec-analytics-service',
      'x-aisec-timestamp': timestamp,
      'x-aisec-delivery': delivery.id,
    };
    if (this.settings.secret) headers['x-aisec-signature'] = sign(this.settings.secret, timestamp, delivery.body);
    try {
      const response = await fetch(delivery.url, { method: 'POST', headers, body: delivery.body, signal: AbortSignal.timeout(this.settings.timeoutMs) });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        this.stats.delivered++;
        return;
      }
      throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      delivery.attempt++;
      if (delivery.attempt >= this.settings.maxAttempts || this.closed) {
        this.stats.failed++;
        metrics.webhookFailures.inc();
        this.log.warn({ url: redactUrl(delivery.url), err: (error as Error).message, attempts: delivery.attempt }, 'alert webhook delivery failed; giving up');
        return;
      }
      this.stats.retried++;
      const delay = this.settings.baseDelayMs * 2 ** (delivery.attempt - 1);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.enqueue(delivery);
      }, delay);
      this.timers.add(timer);
    }
  }

  /** Stops retries; deliveries in flight finish on their own. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[invalid url]';
  }
}
