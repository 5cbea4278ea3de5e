/**
 * The alert notification outbox, as data on the alert document.
 *
 * Whether an alert (and each raise of its severity) has been notified is stored with the alert, one record per
 * configured receiver, written in the same document write that creates or raises the alert: a notification
 * exists exactly when its alert does, whichever replica dies when. Delivery (detection/webhooks.ts) later marks
 * records delivered or expired. `notifications_pending` (the ids of the records still pending) and
 * `notifications_pending_since` (the oldest of them) are indexed so the deliverer and the status route can find
 * and count them in one query; the records themselves are stored, not indexed.
 *
 * Delivery ids are derived from (alert, kind, severity, receiver), so every replica, retry and restart sends the
 * same id for the same notification: receivers de-duplicate the rare repeat that at-least-once delivery allows.
 */
import { createHash } from 'node:crypto';
import { severityRank, type Severity } from '../contract/event-schema.js';

export type NotificationKind = 'alert.created' | 'alert.severity_raised';
export type NotificationState = 'pending' | 'delivered' | 'expired';

export interface NotificationRecord {
  /** delivery id, sent as X-Aisec-Delivery and `delivery_id`; the same across retries, replicas and restarts */
  id: string;
  kind: NotificationKind;
  /** the severity this notification announces */
  severity: Severity;
  /** receiverId() of the webhook URL */
  receiver: string;
  state: NotificationState;
  queued_at: string;
  delivered_at?: string;
  expired_at?: string;
}

/** The outbox fields of an alert document. */
export interface AlertOutbox {
  notifications?: NotificationRecord[];
  notifications_pending?: string[];
  notifications_pending_since?: string;
}

/** What the outbox needs of an alert (detection/alert.ts's AlertDocument includes AlertOutbox). */
export interface NotifiableAlert extends AlertOutbox {
  id: string;
  severity: Severity;
}

/** Where notifications go and from which severity on. */
export interface NotificationTargets {
  receivers: readonly string[];
  minSeverity: Severity;
}

const hex = (parts: unknown[], length: number) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, length);

/** A receiver's name in the outbox: a hash of its URL, so that no URL (or token in it) is stored with alerts. */
export const receiverId = (url: string): string => hex(['receiver', url], 16);

export const deliveryId = (alertId: string, kind: NotificationKind, severity: Severity, receiver: string): string =>
  hex([alertId, kind, severity, receiver], 32);

/**
 * The alert with a pending notification of `kind` for every receiver, when its severity reaches the floor.
 * A record that already exists (same delivery id) is not added twice.
 */
export function withNotification<A extends NotifiableAlert>(alert: A, kind: NotificationKind, targets: NotificationTargets, now: string): A {
  if (targets.receivers.length === 0 || severityRank(alert.severity) < severityRank(targets.minSeverity)) return alert;
  const records = [...(alert.notifications ?? [])];
  const known = new Set(records.map((r) => r.id));
  for (const url of targets.receivers) {
    const receiver = receiverId(url);
    const id = deliveryId(alert.id, kind, alert.severity, receiver);
    if (!known.has(id)) records.push({ id, kind, severity: alert.severity, receiver, state: 'pending', queued_at: now });
  }
  return withIndex({ ...alert, notifications: records });
}

export interface Settlement {
  id: string;
  state: Exclude<NotificationState, 'pending'>;
  at: string;
}

/** The alert with the given records delivered or expired; records already settled stay as they were. */
export function settled<A extends NotifiableAlert>(alert: A, settlements: readonly Settlement[]): A {
  const byId = new Map(settlements.map((s) => [s.id, s]));
  const records = (alert.notifications ?? []).map((record) => {
    const settlement = byId.get(record.id);
    if (!settlement || record.state !== 'pending') return record;
    return settlement.state === 'delivered'
      ? { ...record, state: settlement.state, delivered_at: settlement.at }
      : { ...record, state: settlement.state, expired_at: settlement.at };
  });
  return withIndex({ ...alert, notifications: records });
}

export function pendingNotifications(alert: AlertOutbox): NotificationRecord[] {
  return (alert.notifications ?? []).filter((r) => r.state === 'pending');
}

/** The alert as receivers see it: without its outbox. */
export function withoutOutbox<A extends NotifiableAlert>(alert: A): Omit<A, keyof AlertOutbox> {
  const { notifications: _records, notifications_pending: _pending, notifications_pending_since: _since, ...rest } = alert;
  return rest;
}

function withIndex<A extends NotifiableAlert>(alert: A): A {
  const pending = pendingNotifications(alert);
  const { notifications_pending: _pending, notifications_pending_since: _since, ...rest } = alert;
  if (pending.length === 0) return rest as A;
  const since = pending.reduce((oldest, r) => (r.queued_at < oldest ? r.queued_at : oldest), pending[0]!.queued_at);
  return { ...rest, notifications_pending: pending.map((r) => r.id), notifications_pending_since: since } as A;
}
