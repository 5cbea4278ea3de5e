/**
 * Exact evaluation of rule predicates on stored event documents, in TypeScript.
 * Elasticsearch answers a necessary condition of each predicate (see elasticsearch/detection-queries.ts);
 * this is the final word, so that both streaming and retro-hunt decide the same way.
 *
 * Evaluation is three-valued: a condition on a text field that was not fetched is `null` (unknown),
 * which lets the streaming engine pre-select affected entities without pulling prompt and response text.
 */
import type { DetectionConfig } from './config-schema.js';
import { isOutsideBusinessHours } from './business-hours.js';
import { ms } from '../time/event-time.js';
import { domainAllowed, emailDomains, ipInCidr, phraseMatcher } from './content-detectors.js';
import type { Predicate } from './rule-schema.js';

/** An event as stored in Elasticsearch (`@timestamp`, flat contract fields). */
export type EventDoc = Record<string, unknown> & { '@timestamp': string; event_id: string };

export type Tri = boolean | null;
export type CompiledPredicate = (event: EventDoc) => Tri;

export interface PredicateContext {
  businessHours: DetectionConfig['business_hours'];
  timezone: string;
  /** fields that were not fetched; conditions on them evaluate to null */
  missingFields?: ReadonlySet<string>;
}

export const TEXT_FIELDS: ReadonlySet<string> = new Set(['input_text', 'output_text']);

export function fieldValue(event: Record<string, unknown>, path: string): unknown {
  const dot = path.indexOf('.');
  if (dot < 0) return event[path];
  const parent = event[path.slice(0, dot)];
  return typeof parent === 'object' && parent !== null ? (parent as Record<string, unknown>)[path.slice(dot + 1)] : undefined;
}

const values = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/**
 * Whether some value of a field (each element of an array; none when missing) passes `test`. The same as
 * `values(v).some(test)` without the array made for a single value: streaming runs every rule's predicate over every
 * new event, and those arrays were a share of its garbage.
 */
function someValue(v: unknown, test: (x: unknown) => boolean): boolean {
  if (Array.isArray(v)) return v.some(test);
  return v !== undefined && v !== null && test(v);
}

function sameScalar(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b) && a !== '' && b !== '';
  return a === b;
}

export function compilePredicate(predicate: Predicate, context: PredicateContext): CompiledPredicate {
  if ('all' in predicate) {
    const parts = predicate.all.map((p) => compilePredicate(p, context));
    return (e) => {
      let unknown = false;
      for (const part of parts) {
        const r = part(e);
        if (r === false) return false;
        if (r === null) unknown = true;
      }
      return unknown ? null : true;
    };
  }
  if ('any' in predicate) {
    const parts = predicate.any.map((p) => compilePredicate(p, context));
    return (e) => {
      let unknown = false;
      for (const part of parts) {
        const r = part(e);
        if (r === true) return true;
        if (r === null) unknown = true;
      }
      return unknown ? null : false;
    };
  }
  if ('not' in predicate) {
    const inner = compilePredicate(predicate.not, context);
    return (e) => {
      const r = inner(e);
      return r === null ? null : !r;
    };
  }
  if ('outside_business_hours' in predicate) {
    return (e) => isOutsideBusinessHours(ms(e), context.businessHours, context.timezone);
  }
  const field = predicate.field;
  const leaf = compileLeaf(predicate);
  if (context.missingFields?.has(field)) return () => null;
  return leaf;
}

function compileLeaf(predicate: Extract<Predicate, { field: string }>): CompiledPredicate {
  const field = predicate.field;
  const some = (test: (v: unknown) => boolean): CompiledPredicate => (e) => someValue(fieldValue(e, field), test);
  const none = (test: (v: unknown) => boolean): CompiledPredicate => (e) => !someValue(fieldValue(e, field), test);
  if ('eq' in predicate) return some((v) => sameScalar(v, predicate.eq));
  if ('neq' in predicate) return none((v) => sameScalar(v, predicate.neq));
  if ('in' in predicate) return some((v) => predicate.in.some((x) => sameScalar(v, x)));
  if ('not_in' in predicate) return none((v) => predicate.not_in.some((x) => sameScalar(v, x)));
  if ('gt' in predicate) return some((v) => typeof v === 'number' && v > predicate.gt);
  if ('gte' in predicate) return some((v) => typeof v === 'number' && v >= predicate.gte);
  if ('lt' in predicate) return some((v) => typeof v === 'number' && v < predicate.lt);
  if ('lte' in predicate) return some((v) => typeof v === 'number' && v <= predicate.lte);
  if ('exists' in predicate) return predicate.exists ? some(() => true) : none(() => true);
  if ('contains_any' in predicate) {
    const matcher = phraseMatcher(predicate.contains_any);
    return some((v) => typeof v === 'string' && matcher.test(v));
  }
  if ('in_cidr' in predicate) return some((v) => typeof v === 'string' && predicate.in_cidr.some((c) => ipInCidr(v, c)));
  if ('email_domain_not_in' in predicate) {
    return (e) => emailDomains(fieldValue(e, field)).some((d) => !domainAllowed(d, predicate.email_domain_not_in));
  }
  if ('not_in_list_of' in predicate) {
    const { key_field, lists } = predicate.not_in_list_of;
    return (e) => {
      const key = fieldValue(e, key_field);
      if (typeof key !== 'string' || !Object.hasOwn(lists, key)) return false;
      const allowed = lists[key]!;
      const present = values(fieldValue(e, field));
      return present.length > 0 && present.some((v) => !allowed.includes(String(v)));
    };
  }
  throw new Error(`unsupported predicate ${JSON.stringify(predicate)}`);
}

/** Whether a predicate reads prompt/response text (then candidates must be fetched with their text). */
export function readsText(predicate: Predicate): boolean {
  if ('all' in predicate) return predicate.all.some(readsText);
  if ('any' in predicate) return predicate.any.some(readsText);
  if ('not' in predicate) return readsText(predicate.not);
  return 'field' in predicate && TEXT_FIELDS.has(predicate.field);
}
