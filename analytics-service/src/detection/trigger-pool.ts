/**
 * The new events a streaming rule unit's trigger must look at. Every unit filters every slice by its trigger, and most
 * triggers require one `category` (`{ field: category, eq: guardrail_block }`, alone or in an `all`): the events of a
 * slice grouped by category once, shared by every unit (kept per events array, which the rule pipeline hands to
 * each rule), let such a unit check only the events of its category, in their order, instead of all of them. An events
 * array handed to the rules is never changed afterwards (streaming's slices, or a merge of them made for one rule).
 */
import { letIoIn } from './cooperative.js';
import type { EventDoc } from './predicate.js';
import type { Predicate } from './rule-schema.js';

const FIELD = 'category';

/** per events array: its events by category, or null when some category is not a single string (then no grouping) */
const grouped = new WeakMap<readonly EventDoc[], Promise<Map<string, EventDoc[]> | null>>();

/** The one category a predicate requires of every event it may match (or may not decide), if it requires one. */
export function requiredCategory(predicate: Predicate): string | undefined {
  if ('all' in predicate) {
    for (const part of predicate.all) {
      const category = requiredCategory(part);
      if (category !== undefined) return category;
    }
    return undefined;
  }
  if (!('field' in predicate) || predicate.field !== FIELD) return undefined;
  if ('eq' in predicate && typeof predicate.eq === 'string') return predicate.eq;
  if ('in' in predicate && predicate.in.length === 1 && typeof predicate.in[0] === 'string') return predicate.in[0];
  return undefined;
}

/** Of `events`, those the trigger may match or may not decide: `events` itself when it requires no single category. */
export async function triggerPool(events: readonly EventDoc[], trigger: Predicate): Promise<readonly EventDoc[]> {
  const category = requiredCategory(trigger);
  if (category === undefined) return events;
  let groups = grouped.get(events);
  if (groups === undefined) {
    groups = byCategory(events);
    grouped.set(events, groups);
  }
  const group = await groups;
  return group ? (group.get(category) ?? []) : events;
}

/** The events by category, letting I/O in between chunks like every other pass over a slice (cooperative.ts). */
async function byCategory(events: readonly EventDoc[], chunk = 500): Promise<Map<string, EventDoc[]> | null> {
  const groups = new Map<string, EventDoc[]>();
  for (let i = 0; i < events.length; i += chunk) {
    await letIoIn();
    for (let j = i; j < Math.min(events.length, i + chunk); j++) {
      const event = events[j]!;
      const category = event[FIELD];
      if (typeof category !== 'string') {
        if (category === undefined || category === null) continue; // matches no category
        return null;
      }
      const group = groups.get(category);
      if (group) group.push(event);
      else groups.set(category, [event]);
    }
  }
  return groups;
}
