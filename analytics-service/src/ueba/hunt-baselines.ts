/**
 * Baselines for a retro-hunt. The history-based UEBA rules (volume, token, cost, off-profile hours) score an hour
 * against the entity's baseline; after a backfill there may be none, or only baselines built over another period,
 * and the hunt would quietly find nothing. So before such a hunt the service checks whether any stored baseline was
 * built from the hunted range or the baseline window before it (its window overlaps [from − window days, to)); when
 * none was, it rebuilds baselines over [min(from, to − window days), to) and the run result says so (`baselines`).
 * A rebuild over old history replaces those entities' current baselines until the next scheduled refresh.
 */
import type { PrepareBaselines } from '../detection/retro-hunt.js';
import type { Rule } from '../detection/rule-schema.js';
import type { EntityKind } from './entities.js';
import type { UebaService } from './ueba-service.js';
import { HOURLY } from './window-context.js';
import { DAY_MS } from '../time/units.js';

/** The entity kinds the history-based UEBA rules of a run score, if any. */
export function historyKinds(rules: Rule[]): EntityKind[] {
  const kinds = new Set<EntityKind>();
  for (const rule of rules) if (rule.type === 'ueba' && HOURLY.includes(rule.anomaly)) for (const kind of rule.entity_kinds) kinds.add(kind);
  return [...kinds];
}

export function huntBaselines(service: UebaService, windowDays: number): PrepareBaselines {
  return async (from, to, rules) => {
    const kinds = historyKinds(rules);
    if (kinds.length === 0) return undefined;
    const covering = await service.baselines.countOverlapping(kinds, from - windowDays * DAY_MS, to);
    if (covering > 0) return { rebuilt: false, reason: `scored against ${covering} stored baseline(s) built from the hunted range or the ${windowDays} days before it` };
    const window = { from: new Date(Math.min(from, to - windowDays * DAY_MS)), to: new Date(to) };
    const report = await service.rebuild(window, kinds);
    return {
      rebuilt: true,
      reason: `no stored baseline was built from the hunted range or the ${windowDays} days before it: rebuilt over that window first`,
      window: { from: window.from.toISOString(), to: window.to.toISOString() },
      entities: Object.fromEntries(kinds.map((k) => [k, report.baselines.entities[k] ?? 0])),
    };
  };
}
