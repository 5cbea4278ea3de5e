/**
 * Rule predicates as Kibana query strings over the events data stream (contract field names are the stored names;
 * `timestamp` is stored as `@timestamp`): KQL (`kuery`) for most rules, Lucene for content rules, which need its
 * wildcard and regular-expression terms, and EQL conditions for sequences. The three share most syntax; they differ
 * in ranges, boolean words and what they can match inside text.
 */
import type { DetectionConfig } from '../config-schema.js';
import type { Detector, Predicate } from '../rule-schema.js';
import { redactionMarker } from '../content-detectors.js';
import { NotExpressible } from './rule-export.js';

export type QueryDialect = 'kuery' | 'lucene' | 'eql';

const stored = (field: string) => (field === 'timestamp' ? '@timestamp' : field);
const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const literal = (value: unknown) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : quote(String(value)));
/** Unquoted (wildcard) values: each language's special characters escaped, so only the wildcard added here is one. */
function wildcardValue(value: string, dialect: QueryDialect): string {
  const special = dialect === 'lucene' ? /[\\"():<>=*?{}[\]^~!&|/+\- ]/g : /[\\"():<>*{}\s]/g;
  return value.replace(special, (c) => `\\${c}`);
}

function joiner(dialect: QueryDialect, op: 'and' | 'or'): string {
  return dialect === 'kuery' ? ` ${op} ` : dialect === 'lucene' ? ` ${op.toUpperCase()} ` : ` ${op} `;
}
const not = (dialect: QueryDialect, inner: string) => (dialect === 'lucene' ? `NOT ${inner}` : `not ${inner}`);
const exists = (dialect: QueryDialect, field: string) => (dialect === 'eql' ? `${field} != null` : `${field}:*`);

function range(dialect: QueryDialect, field: string, op: '>' | '>=' | '<' | '<=', n: number): string {
  if (dialect === 'lucene') return `${field}:${op}${n}`;
  return `${field} ${op} ${n}`;
}

function anyOf(dialect: QueryDialect, field: string, values: unknown[]): string {
  if (dialect === 'eql') return `${field} in (${values.map(literal).join(', ')})`;
  return `${field}:(${values.map(literal).join(joiner(dialect, 'or'))})`;
}

function equals(dialect: QueryDialect, field: string, value: unknown): string {
  return dialect === 'eql' ? `${field} == ${literal(value)}` : `${field}:${literal(value)}`;
}

export function kibanaQuery(predicate: Predicate, config: DetectionConfig, dialect: QueryDialect): string {
  if ('all' in predicate) return `(${predicate.all.map((p) => kibanaQuery(p, config, dialect)).join(joiner(dialect, 'and'))})`;
  if ('any' in predicate) return `(${predicate.any.map((p) => kibanaQuery(p, config, dialect)).join(joiner(dialect, 'or'))})`;
  if ('not' in predicate) return not(dialect, `(${kibanaQuery(predicate.not, config, dialect)})`);
  if ('outside_business_hours' in predicate) {
    throw new NotExpressible('time-of-day conditions (business hours in a time zone) have no form in KQL, Lucene or EQL queries');
  }
  const f = stored(predicate.field);
  if ('eq' in predicate) return equals(dialect, f, predicate.eq);
  if ('neq' in predicate) return not(dialect, equals(dialect, f, predicate.neq));
  if ('in' in predicate) return anyOf(dialect, f, predicate.in);
  if ('not_in' in predicate) return predicate.not_in.length ? not(dialect, anyOf(dialect, f, predicate.not_in)) : exists(dialect, '@timestamp');
  if ('gt' in predicate) return range(dialect, f, '>', predicate.gt);
  if ('gte' in predicate) return range(dialect, f, '>=', predicate.gte);
  if ('lt' in predicate) return range(dialect, f, '<', predicate.lt);
  if ('lte' in predicate) return range(dialect, f, '<=', predicate.lte);
  if ('exists' in predicate) return predicate.exists ? exists(dialect, f) : not(dialect, exists(dialect, f));
  if ('contains_any' in predicate) {
    // a quoted value on a text field is a phrase match: case-insensitive whole words, as the engine matches them
    if (dialect === 'eql') throw new NotExpressible('phrase matching inside text has no form in EQL');
    return `${f}:(${predicate.contains_any.map((p) => quote(p)).join(joiner(dialect, 'or'))})`;
  }
  if ('in_cidr' in predicate) {
    if (dialect === 'eql') return `cidrMatch(${f}, ${predicate.in_cidr.map((c) => quote(c.includes('/') ? c : `${c}/32`)).join(', ')})`;
    return anyOf(dialect, f, predicate.in_cidr.map((c) => (c.includes('/') ? c : `${c}/32`)));
  }
  if ('email_domain_not_in' in predicate) {
    if (dialect === 'eql') throw new NotExpressible('e-mail domain checks inside an object field have no form in EQL');
    const recipient = `${f}.to`;
    const allowed = predicate.email_domain_not_in.flatMap((d) => [`*@${wildcardValue(d, dialect)}`, `*.${wildcardValue(d, dialect)}`]);
    return `(${recipient}:*${joiner(dialect, 'and')}${not(dialect, `${recipient}:(${allowed.join(joiner(dialect, 'or'))})`)})`;
  }
  if ('not_in_list_of' in predicate) {
    const { key_field, lists } = predicate.not_in_list_of;
    const parts = Object.entries(lists).map(([key, allowed]) =>
      allowed.length
        ? `(${equals(dialect, stored(key_field), key)}${joiner(dialect, 'and')}${not(dialect, anyOf(dialect, f, allowed))})`
        : `(${equals(dialect, stored(key_field), key)}${joiner(dialect, 'and')}${exists(dialect, f)})`,
    );
    if (parts.length === 0) return not(dialect, exists(dialect, '@timestamp'));
    return `(${parts.join(joiner(dialect, 'or'))})`;
  }
  throw new NotExpressible(`no Kibana query form for ${JSON.stringify(predicate)}`);
}

/**
 * A detector's candidates in Lucene, the same necessary condition the engine asks Elasticsearch for before its exact
 * check: phrases for keywords; token prefixes or phrases for secret patterns; a 13–19 digit token for card numbers;
 * and the `[REDACTED:<name>]` marker the redact content mode leaves.
 */
export function luceneDetector(detector: Detector, field: string): string {
  const marker = `${field}:${quote(redactionMarker(detector.name))}`;
  switch (detector.kind) {
    case 'keywords':
      return detector.terms.map((t) => `${field}:${quote(t)}`).join(' OR ');
    case 'luhn_card':
      return `${field}:/[0-9]{13,19}/ OR ${marker}`;
    case 'regex':
      return [...detector.hints.map((h) => ('prefix' in h ? `${field}:${wildcardValue(h.prefix.toLowerCase(), 'lucene')}*` : `${field}:${quote(h.phrase)}`)), marker].join(' OR ');
  }
}
