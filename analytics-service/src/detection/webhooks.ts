/**
 * Outbound alert webhooks, delivered at least once from the outbox stored with the alerts
 * (detection/notifications.ts).
 *
 * The replica that holds the streaming lease delivers: it scans the alerts index for pending notifications
 * (every `scanMs`, and at once after this process wrote one), posts each to its receiver, and marks it delivered
 * on the alert with a conditional write. Whatever a killed replica left pending, its successor delivers. A
 * failed attempt is retried with exponential backoff (capped at `maxDelayMs`) for as long as the notification is
 * younger than `maxAgeMs`; after that it is marked expired, counted and logged — a receiver that stays down keeps
 * its notifications pending, never dropped. Per alert and receiver, notifications leave in the order they were
 * queued (created before raised).
 *
 * At least once: a replica killed after the receiver got a notification and before it was marked delivered
 * leaves it pending, and the successor sends it again with the same X-Aisec-Delivery id.
 *
 * Where streaming is off (AISEC_DETECTION_STREAMING=false), a replica takes the same lease to deliver, but yielding
 * (elasticsearch/lease.ts): a streaming replica that starts takes it back at once (the one that yielded may go on
 * delivering until its next renewal, a third of the term: a repeat carries the same delivery id). Before, a replica
 * that only ingested could hold the lease for delivery while the streaming replica restarted, and no replica streamed.
 *
 * Signature: `X-Aisec-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Aisec-Timestamp>.<raw body>")>`, with
 * `X-Aisec-Timestamp` in Unix seconds (receivers should refuse stale timestamps) and `X-Aisec-Delivery` the
 * notification's stable id (the same across retries, replicas and restarts: de-duplicate on it).
 */
import { createHmac } from 'node:crypto';
import type { Severity } from '../contract/event-schema.js';
import type { AlertStore } from '../elasticsearch/alert-store.js';
import type { Lease } from '../elasticsearch/lease.js';
import { metrics } from '../observability/metrics.js';
import type { AlertDocument } from './alert.js';
import { pendingNotifications, receiverId, settled, withoutOutbox, type NotificationRecord, type Settlement } from './notifications.js';

export interface WebhookSettings {
  urls: string[];
  minSeverity: Severity;
  secret?: string;
  /** first retry delay; doubles per failed attempt */
  baseDelayMs: number;
  /** longest delay between two attempts */
  maxDelayMs: number;
  /** a notification still undelivered this long after it was queued is given up (expired) */
  maxAgeMs: number;
  timeoutMs: number;
  /** how often the outbox is scanned for notifications other replicas left or retries that are due */
  scanMs: number;
}

export interface WebhookStats {
  /** whether this replica delivers (it holds the streaming lease) */
  delivering: boolean;
  /** notifications pending in Elasticsearch, across every replica, at the last scan */
  pending: number;
  /** queue time of the oldest pending notification */
  oldest_pending_at?: string;
  in_flight: number;
  delivered: number;
  /** attempts that failed (each is retried until delivered or expired) */
  failed_attempts: number;
  expired: number;
  last_error?: string;
}

export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

interface Log {
  warn(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
}

const ALERTS_PER_SCAN = 200;
const DELIVERIES_IN_PARALLEL = 4;

export class WebhookOutbox {
  readonly stats: WebhookStats = { delivering: false, pending: 0, in_flight: 0, delivered: 0, failed_attempts: 0, expired: 0 };
  private readonly receivers: Map<string, string>;
  /** delivery id → attempts so far and when the next may start (this replica's memory; a new holder starts afresh) */
  private readonly backoff = new Map<string, { attempts: number; nextAt: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private readonly aborts = new AbortController();

  constructor(
    private readonly settings: WebhookSettings,
    private readonly store: AlertStore,
    private readonly lease: Lease,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {
    this.receivers = new Map(settings.urls.map((url) => [receiverId(url), url]));
  }

  get enabled(): boolean {
    return this.settings.urls.length > 0;
  }

  start(): void {
    if (!this.stopped || !this.enabled) return;
    this.stopped = false;
    this.kick();
  }

  /** Scans now (or right after the scan under way): a notification was just stored. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.scan().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.kick();
      } else this.timer = setTimeout(() => this.kick(), this.nextScanIn());
    });
  }

  /** Stops scanning and aborts deliveries in flight: what they carried stays pending for the next holder. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.aborts.abort();
    await this.running;
    this.stats.delivering = false;
  }

  private async scan(): Promise<void> {
    try {
      const delivering = await this.lease.acquire();
      if (delivering !== this.stats.delivering) {
        this.backoff.clear(); // another replica may have delivered meanwhile: trust only what is stored
        this.log.info({ delivering }, delivering ? 'alert webhooks: this replica delivers' : 'alert webhooks: another replica delivers');
      }
      this.stats.delivering = delivering;
      if (delivering) {
        const alerts = await this.store.withPendingNotifications(ALERTS_PER_SCAN);
        const failing = new Set<string>();
        await runPool(alerts, DELIVERIES_IN_PARALLEL, (alert) => this.deliverAlert(alert, failing));
      }
      // one count per scan, after its deliveries (standbys count too: every replica's status shows the outbox)
      await this.count();
    } catch (error) {
      this.stats.last_error = `${new Date(this.now()).toISOString()} ${(error as Error).message}`;
      this.log.warn({ err: (error as Error).message }, 'alert webhooks: outbox scan failed; retrying');
    }
  }

  /** The scan interval, or sooner when a retry falls due before it. */
  private nextScanIn(): number {
    let delay = this.settings.scanMs;
    if (this.stats.delivering) for (const { nextAt } of this.backoff.values()) delay = Math.min(delay, Math.max(0, nextAt - this.now()));
    return delay;
  }

  private async count(): Promise<void> {
    const summary = await this.store.pendingNotificationSummary();
    this.stats.pending = summary.pending;
    if (summary.oldest) this.stats.oldest_pending_at = summary.oldest;
    else delete this.stats.oldest_pending_at;
    metrics.webhookPending.set(summary.pending);
    metrics.webhookOldestPending.set(summary.oldest ? Math.max(0, (this.now() - Date.parse(summary.oldest)) / 1000) : 0);
  }

  /**
   * Delivers what is due of one alert, in queue order per receiver, then records the outcome on the alert.
   * A receiver that failed once in this scan is not tried again before the next (a receiver that is down costs
   * a few attempts per scan, not one per pending notification).
   */
  private async deliverAlert(alert: AlertDocument, failing: Set<string>): Promise<void> {
    const byReceiver = new Map<string, NotificationRecord[]>();
    for (const record of pendingNotifications(alert).sort((a, b) => a.queued_at.localeCompare(b.queued_at))) {
      const list = byReceiver.get(record.receiver) ?? [];
      list.push(record);
      byReceiver.set(record.receiver, list);
    }
    const settlements: Settlement[] = [];
    for (const [receiver, records] of byReceiver) {
      const url = this.receivers.get(receiver);
      for (const record of records) {
        const now = this.now();
        if (now - Date.parse(record.queued_at) > this.settings.maxAgeMs) {
          settlements.push({ id: record.id, state: 'expired', at: new Date(now).toISOString() });
          this.backoff.delete(record.id);
          this.stats.expired++;
          metrics.webhookDeliveries.inc({ outcome: 'expired' });
          this.log.warn({ alert: alert.id, delivery: record.id, queued_at: record.queued_at }, 'alert webhook undelivered for longer than AISEC_WEBHOOK_MAX_AGE; given up');
          continue;
        }
        // a receiver no longer configured here: left pending (another replica may have it) until it ages out
        if (!url || failing.has(receiver)) break;
        const due = this.backoff.get(record.id);
        if ((due && due.nextAt > now) || !this.lease.holding || this.stopped) break;
        if (!(await this.post(url, record, alert))) {
          failing.add(receiver);
          break; // keep the order: nothing later for this receiver before it
        }
        settlements.push({ id: record.id, state: 'delivered', at: new Date(this.now()).toISOString() });
      }
    }
    if (settlements.length > 0) await this.settle(alert.id, settlements);
  }

  private async post(url: string, record: NotificationRecord, alert: AlertDocument): Promise<boolean> {
    const body = JSON.stringify({ type: record.kind, delivery_id: record.id, severity: record.severity, alert: withoutOutbox(alert), sent_at: new Date(this.now()).toISOString() });
    const timestamp = String(Math.floor(this.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'aisec-analytics-service',
      'x-aisec-timestamp': timestamp,
      'x-aisec-delivery': record.id,
    };
    if (this.settings.secret) headers['x-aisec-signature'] = sign(this.settings.secret, timestamp, body);
    this.stats.in_flight++;
    try {
      const signal = AbortSignal.any([this.aborts.signal, AbortSignal.timeout(this.settings.timeoutMs)]);
      const response = await fetch(url, { method: 'POST', headers, body, signal });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.backoff.delete(record.id);
      this.stats.delivered++;
      metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      return true;
    } catch (error) {
      if (this.stopped) return false; // aborted by stop(): not the receiver's failure
      const attempts = (this.backoff.get(record.id)?.attempts ?? 0) + 1;
      const delay = Math.min(this.settings.maxDelayMs, this.settings.baseDelayMs * 2 ** (attempts - 1));
      this.backoff.set(record.id, { attempts, nextAt: this.now() + delay });
      this.stats.failed_attempts++;
      this.stats.last_error = `${new Date(this.now()).toISOString()} ${redactUrl(url)}: ${(error as Error).message}`;
      metrics.webhookDeliveries.inc({ outcome: 'failed' });
      this.log.warn({ url: redactUrl(url), delivery: record.id, err: (error as Error).message, attempts, retry_in_ms: delay }, 'alert webhook delivery failed; will retry');
      return false;
    } finally {
      this.stats.in_flight--;
    }
  }

  /** Marks notifications settled on the alert, re-reading it when detection or triage wrote in between. */
  private async settle(alertId: string, settlements: Settlement[]): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.store.get(alertId);
      if (!current) return;
      const next = settled(current.alert, settlements);
      if (await this.store.replace(next, current.seqNo, current.primaryTerm)) return;
    }
    // left pending: delivered again later, with the same delivery id
    this.log.warn({ alert: alertId }, 'alert webhooks: could not record deliveries (the alert kept changing); they will be sent again');
  }
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function runPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[invalid url]';
  }
}
