/**
 * Rule predicates as SIEM filter expressions: Splunk `where` (eval) expressions and Sentinel KQL `where`
 * expressions over the seed's custom log table (AISecurity_CL, with _s / _d / _b column suffixes).
 */
import { esTypeOf, eventProperties } from '../../contract/event-schema.js';
import type { TSchema } from '@sinclair/typebox';
import { CARD_EXPORT_PATTERN } from '../content-detectors.js';
import type { DetectionConfig } from '../config-schema.js';
import type { Detector, Predicate } from '../rule-schema.js';

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const phraseRegex = (phrase: string) => `\\b${phrase.trim().split(/\s+/).map(escapeRegex).join('\\W+')}\\b`;

function hourBounds(config: DetectionConfig): { start: number; end: number } {
  const h = (s: string) => Number(s.split(':')[0]);
  return { start: h(config.business_hours.start), end: h(config.business_hours.end) };
}

// ---------- Splunk SPL ----------

const splField = (field: string) => (/^[a-z_]+$/.test(field) ? field : `'${field}'`);
const splValue = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'boolean' ? q(String(v)) : q(String(v)));

export function spl(predicate: Predicate, config: DetectionConfig): string {
  if ('all' in predicate) return `(${predicate.all.map((p) => spl(p, config)).join(' AND ')})`;
  if ('any' in predicate) return `(${predicate.any.map((p) => spl(p, config)).join(' OR ')})`;
  if ('not' in predicate) return `NOT (${spl(predicate.not, config)})`;
  if ('outside_business_hours' in predicate) {
    const { start, end } = hourBounds(config);
    return `(tonumber(strftime(_time, "%H")) < ${start} OR tonumber(strftime(_time, "%H")) >= ${end})`;
  }
  const f = splField(predicate.field);
  if ('eq' in predicate) return `${f}=${splValue(predicate.eq)}`;
  if ('neq' in predicate) return `NOT ${f}=${splValue(predicate.neq)}`;
  if ('in' in predicate) return `in(${f}, ${predicate.in.map(splValue).join(', ')})`;
  if ('not_in' in predicate) return predicate.not_in.length ? `NOT in(${f}, ${predicate.not_in.map(splValue).join(', ')})` : 'true()';
  if ('gt' in predicate) return `${f}>${predicate.gt}`;
  if ('gte' in predicate) return `${f}>=${predicate.gte}`;
  if ('lt' in predicate) return `${f}<${predicate.lt}`;
  if ('lte' in predicate) return `${f}<=${predicate.lte}`;
  if ('exists' in predicate) return predicate.exists ? `isnotnull(${f})` : `isnull(${f})`;
  if ('contains_any' in predicate) return `match(${f}, ${q(`(?i)(${predicate.contains_any.map(phraseRegex).join('|')})`)})`;
  if ('in_cidr' in predicate) return `(${predicate.in_cidr.map((c) => `cidrmatch(${q(c.includes('/') ? c : `${c}/32`)}, ${f})`).join(' OR ')})`;
  if ('email_domain_not_in' in predicate) {
    const allowed = predicate.email_domain_not_in.map((d) => escapeRegex(d)).join('|');
    return `(isnotnull('${predicate.field}.to') AND NOT match('${predicate.field}.to', ${q(`(?i)@([a-z0-9-]+\\.)*(${allowed})$`)}))`;
  }
  if ('not_in_list_of' in predicate) {
    const { key_field, lists } = predicate.not_in_list_of;
    const parts = Object.entries(lists).map(([key, allowed]) => `(${splField(key_field)}=${q(key)} AND ${allowed.length ? `NOT in(${f}, ${allowed.map(splValue).join(', ')})` : `isnotnull(${f})`})`);
    return parts.length ? `(${parts.join(' OR ')})` : 'false()';
  }
  throw new Error(`no SPL for ${JSON.stringify(predicate)}`);
}

export function splDetector(detector: Detector, field: string): string {
  switch (detector.kind) {
    case 'keywords':
      return `match(${field}, ${q(`(?i)(${detector.terms.map(phraseRegex).join('|')})`)})`;
    case 'luhn_card':
      return `match(${field}, ${q(CARD_EXPORT_PATTERN)})`;
    case 'regex':
      return `match(${field}, ${q(detector.pattern)})`;
  }
}

// ---------- Sentinel KQL ----------

/** Column name in a Log Analytics custom table: suffix by type, as the seed's queries write them. */
export function kqlColumn(field: string): string {
  const [top] = field.split('.');
  const schema = (eventProperties as Record<string, TSchema>)[top!];
  const type = schema ? esTypeOf(schema) : 'keyword';
  const suffix = type === 'long' || type === 'integer' || type === 'double' ? 'd' : type === 'boolean' ? 'b' : 's';
  if (field.includes('.')) return `tostring(parse_json(${top}_s).${field.split('.')[1]})`;
  return `${field}_${suffix}`;
}

const kqlValue = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : q(String(v)));

export function kql(predicate: Predicate, config: DetectionConfig): string {
  if ('all' in predicate) return `(${predicate.all.map((p) => kql(p, config)).join(' and ')})`;
  if ('any' in predicate) return `(${predicate.any.map((p) => kql(p, config)).join(' or ')})`;
  if ('not' in predicate) return `not(${kql(predicate.not, config)})`;
  if ('outside_business_hours' in predicate) {
    const { start, end } = hourBounds(config);
    const local = config.timezone === 'UTC' ? 'TimeGenerated' : `datetime_utc_to_local(TimeGenerated, ${q(config.timezone)})`;
    return `(hourofday(${local}) < ${start} or hourofday(${local}) >= ${end})`;
  }
  const c = kqlColumn(predicate.field);
  if ('eq' in predicate) return `${c} == ${kqlValue(predicate.eq)}`;
  if ('neq' in predicate) return `${c} != ${kqlValue(predicate.neq)}`;
  if ('in' in predicate) return `${c} in (${predicate.in.map(kqlValue).join(', ')})`;
  if ('not_in' in predicate) return predicate.not_in.length ? `${c} !in (${predicate.not_in.map(kqlValue).join(', ')})` : 'true';
  if ('gt' in predicate) return `${c} > ${predicate.gt}`;
  if ('gte' in predicate) return `${c} >= ${predicate.gte}`;
  if ('lt' in predicate) return `${c} < ${predicate.lt}`;
  if ('lte' in predicate) return `${c} <= ${predicate.lte}`;
  if ('exists' in predicate) return predicate.exists ? `isnotempty(${c})` : `isempty(${c})`;
  if ('contains_any' in predicate) return `${c} matches regex ${q(`(?i)(${predicate.contains_any.map(phraseRegex).join('|')})`)}`;
  if ('in_cidr' in predicate) return `(${predicate.in_cidr.map((r) => `ipv4_is_in_range(${c}, ${q(r)})`).join(' or ')})`;
  if ('email_domain_not_in' in predicate) {
    const allowed = predicate.email_domain_not_in.map(escapeRegex).join('|');
    return `(isnotempty(${c}) and not(${c} matches regex ${q(`(?i)@([a-z0-9-]+\\.)*(${allowed})$`)}))`;
  }
  if ('not_in_list_of' in predicate) {
    const { key_field, lists } = predicate.not_in_list_of;
    const parts = Object.entries(lists).map(([key, allowed]) => `(${kqlColumn(key_field)} == ${q(key)} and ${allowed.length ? `${c} !in (${allowed.map(kqlValue).join(', ')})` : `isnotempty(${c})`})`);
    return parts.length ? `(${parts.join(' or ')})` : 'false';
  }
  throw new Error(`no KQL for ${JSON.stringify(predicate)}`);
}

export function kqlDetector(detector: Detector, field: string): string {
  const c = kqlColumn(field);
  switch (detector.kind) {
    case 'keywords':
      return `${c} matches regex ${q(`(?i)(${detector.terms.map(phraseRegex).join('|')})`)}`;
    case 'luhn_card':
      return `${c} matches regex ${q(CARD_EXPORT_PATTERN)}`;
    case 'regex':
      return `${c} matches regex ${q(detector.pattern)}`;
  }
}
