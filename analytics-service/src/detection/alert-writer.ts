/**
 * Turns findings into alerts, exactly once per episode.
 *
 * A finding first looks for an alert of the same rule and entity whose window overlaps it (within the rule's
 * merge gap): if there is one, the finding grows it; if not, a new alert is created under the deterministic id
 * sha256(rule, entity, episode start). Re-running a retro-hunt, restarting, or overlapping streaming windows thus
 * find the same alert and leave it unchanged. Writes for one entity are serialized in this process; across
 * processes, `create` on the deterministic id and if_seq_no on replace settle races.
 *
 * Notifications: the write that creates an alert, or raises its severity, carries the pending notification
 * records for every receiver (detection/notifications.ts) — the alert and its page are stored in one document
 * write, so no crash between the two can lose the page. `written` is told afterwards so that the deliverer can
 * start at once instead of at its next scan.
 */
import { severityRank } from '../contract/event-schema.js';
import type { AlertStore } from '../elasticsearch/alert-store.js';
import { alertId, entityKey, entityKeyString, mergedAlert, newAlert } from './alert.js';
import type { EvaluationContext, EvaluationUnit, Finding, RuleEvaluator } from './evaluation.js';
import { withNotification, type NotificationTargets } from './notifications.js';

/** What writing a finding did to its alert (ingest's per-event outcome is elasticsearch/event-store.ts WriteOutcome). */
export type AlertWriteOutcome = 'created' | 'updated' | 'unchanged';

export interface AlertNotifications {
  targets: NotificationTargets;
  /** called after a write that stored pending notifications */
  written(): void;
}

const NO_NOTIFICATIONS: AlertNotifications = { targets: { receivers: [], minSeverity: 'critical' }, written: () => undefined };

export class AlertWriter {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: AlertStore,
    private readonly notifications: AlertNotifications = NO_NOTIFICATIONS,
  ) {}

  write(finding: Finding, evaluator: RuleEvaluator, unit: EvaluationUnit, ctx: EvaluationContext): Promise<AlertWriteOutcome> {
    const lockKey = entityKeyString(finding.rule.id, finding.signal, entityKey(finding));
    const previous = this.locks.get(lockKey) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.writeNow(finding, evaluator, unit, ctx));
    this.locks.set(lockKey, next);
    void next.finally(() => {
      if (this.locks.get(lockKey) === next) this.locks.delete(lockKey);
    }).catch(() => undefined);
    return next;
  }

  private async writeNow(finding: Finding, evaluator: RuleEvaluator, unit: EvaluationUnit, ctx: EvaluationContext): Promise<AlertWriteOutcome> {
    const rule = finding.rule;
    const key = entityKey(finding);
    const entityKeyValue = entityKeyString(rule.id, finding.signal, key);
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = new Date(ctx.now()).toISOString();
      let existing = await this.store.findOverlapping(rule.id, entityKeyValue, finding.windowStart, finding.windowEnd, finding.mergeGapMs);
      if (!existing) {
        const evidence = await evaluator.evidence(rule, unit, finding.entity, finding.windowStart, finding.windowEnd, ctx);
        const id = alertId(rule.id, finding.signal, key, finding.windowStart);
        const created = newAlert(
          { ...finding, eventCount: Math.max(evidence.count, finding.eventCount), eventIds: evidence.ids.length ? evidence.ids : finding.eventIds },
          id,
          now,
        );
        const alert = withNotification(created, 'alert.created', this.notifications.targets, now);
        if (await this.store.create(alert)) {
          if (alert !== created) this.notifications.written();
          return 'created';
        }
        existing = await this.store.get(id);
        if (!existing) continue;
      }
      const current = existing.alert;
      const start = Date.parse(current.window_start);
      const end = Date.parse(current.window_end);
      const contained = finding.windowStart >= start && finding.windowEnd <= end;
      if (contained && finding.observed <= current.observed && finding.firedAt >= Date.parse(current['@timestamp'])) return 'unchanged';
      const windowStart = Math.min(start, finding.windowStart);
      const windowEnd = Math.max(end, finding.windowEnd);
      const evidence = await evaluator.evidence(rule, unit, finding.entity, windowStart, windowEnd, ctx);
      const merged = mergedAlert(current, finding, evidence, now);
      if (merged === current) return 'unchanged';
      const raised = severityRank(merged.severity) > severityRank(current.severity);
      const stored = raised ? withNotification(merged, 'alert.severity_raised', this.notifications.targets, now) : merged;
      if (await this.store.replace(stored, existing.seqNo, existing.primaryTerm)) {
        if (stored !== merged) this.notifications.written();
        return 'updated';
      }
    }
    throw new Error(`alert for rule ${rule.id} kept conflicting with concurrent writers; giving up on this finding`);
  }
}
