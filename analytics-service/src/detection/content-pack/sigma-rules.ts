/**
 * The parts every generated Sigma v2 rule shares, whatever rule type it comes from: stable ids, levels, the
 * logsource, metadata (MITRE ATLAS and OWASP ids in the description and in the custom attributes `atlas` /
 * `owasp`, since Sigma has no ATLAS tag namespace), and detections built from predicates. Each rule type's export
 * (detection/types/<type>-export.ts) builds its documents from these; sigma.ts assembles the pack.
 */
import { createHash } from 'node:crypto';
import type { Predicate, Rule } from '../rule-schema.js';
import { NotExpressible, type SigmaDocument } from './rule-export.js';

export type Selection = Record<string, unknown>;

export function stableUuid(name: string): string {
  const h = createHash('sha1').update(`aisec-sigma:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const LEVEL: Record<string, string> = { info: 'informational', low: 'low', medium: 'medium', high: 'high', critical: 'critical' };
const LOGSOURCE = { product: 'aisec', service: 'ai_security' };

/** Builds named selections and a condition expression mirroring the predicate tree. */
class DetectionBuilder {
  readonly selections: Record<string, Selection | Selection[]> = {};
  private n = 0;

  private add(selection: Selection | Selection[]): string {
    const name = `sel${++this.n}`;
    this.selections[name] = selection;
    return name;
  }

  condition(predicate: Predicate): string {
    if ('all' in predicate) return `(${predicate.all.map((p) => this.condition(p)).join(' and ')})`;
    if ('any' in predicate) return `(${predicate.any.map((p) => this.condition(p)).join(' or ')})`;
    if ('not' in predicate) return `not ${this.condition(predicate.not)}`;
    if ('outside_business_hours' in predicate) throw new NotExpressible('time-of-day conditions cannot be written in Sigma');
    const f = predicate.field;
    if ('eq' in predicate) return this.add({ [f]: predicate.eq });
    if ('neq' in predicate) return `not ${this.add({ [f]: predicate.neq })}`;
    if ('in' in predicate) return this.add({ [f]: predicate.in });
    if ('not_in' in predicate) return predicate.not_in.length ? `not ${this.add({ [f]: predicate.not_in })}` : this.add({ [`${f}|exists`]: true });
    if ('gt' in predicate) return this.add({ [`${f}|gt`]: predicate.gt });
    if ('gte' in predicate) return this.add({ [`${f}|gte`]: predicate.gte });
    if ('lt' in predicate) return this.add({ [`${f}|lt`]: predicate.lt });
    if ('lte' in predicate) return this.add({ [`${f}|lte`]: predicate.lte });
    if ('exists' in predicate) return this.add({ [`${f}|exists`]: predicate.exists });
    if ('contains_any' in predicate) return this.add({ [`${f}|contains`]: predicate.contains_any });
    if ('in_cidr' in predicate) return this.add({ [`${f}|cidr`]: predicate.in_cidr.map((c) => (c.includes('/') ? c : `${c}/32`)) });
    if ('email_domain_not_in' in predicate) {
      const recipient = `${f}.to`;
      return `(${this.add({ [`${recipient}|exists`]: true })} and not ${this.add({ [`${recipient}|endswith`]: predicate.email_domain_not_in.map((d) => `@${d}`) })})`;
    }
    if ('not_in_list_of' in predicate) {
      const { key_field, lists } = predicate.not_in_list_of;
      const parts = Object.entries(lists).map(([key, allowed]) =>
        allowed.length ? `(${this.add({ [key_field]: key })} and not ${this.add({ [f]: allowed })})` : this.add({ [key_field]: key, [`${f}|exists`]: true }),
      );
      if (parts.length === 0) throw new NotExpressible('empty keyed list');
      return `(${parts.join(' or ')})`;
    }
    throw new NotExpressible(`no Sigma form for ${JSON.stringify(predicate)}`);
  }
}

export function metadata(rule: Rule, name: string, suffix = '') {
  const tags = rule.tags;
  return {
    title: `${rule.title}${suffix}`,
    id: stableUuid(name),
    name,
    status: 'experimental',
    description: `${rule.description.trim()} MITRE ATLAS: ${tags.atlas.join(', ') || 'none'}. OWASP: ${[...tags.owasp_llm, ...tags.owasp_agentic].join(', ') || 'none'}. Source: ${rule.source}. Rule id: ${rule.id}.`,
    author: 'aisec analytics service (generated)',
    date: '2026-02-11',
    atlas: tags.atlas,
    owasp: [...tags.owasp_llm, ...tags.owasp_agentic],
  };
}

export function baseRule(rule: Rule, name: string, predicate: Predicate, extra?: { selections: Record<string, Selection | Selection[]>; condition: string }): SigmaDocument {
  const builder = new DetectionBuilder();
  let condition = builder.condition(predicate);
  const detection: Record<string, unknown> = { ...builder.selections };
  if (extra) {
    Object.assign(detection, extra.selections);
    condition = `${condition} and ${extra.condition}`;
  }
  detection.condition = condition;
  return { ...metadata(rule, name, ' (events)'), logsource: LOGSOURCE, detection, level: LEVEL[rule.severity] };
}

export function levelSteps(rule: Rule, threshold: number, operator: 'gt' | 'gte'): Array<{ condition: Record<string, number>; severity: string; suffix: string }> {
  const steps = [{ condition: { [operator]: threshold }, severity: rule.severity, suffix: '' }];
  for (const step of rule.severity_ladder ?? []) steps.push({ condition: { gt: step.above }, severity: step.severity, suffix: ` (${step.severity}: > ${step.above})` });
  return steps;
}

