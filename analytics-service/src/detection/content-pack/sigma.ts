/**
 * Sigma v2 content from the rule definitions: one base rule per threshold signal, sequence step or content
 * rule, plus Sigma correlation rules — `event_count` / `value_count` for thresholds (one per severity-ladder
 * step) and `temporal_ordered` for sequences. MITRE ATLAS and OWASP ids go in the description and in the custom
 * attributes `atlas` / `owasp` (Sigma has no ATLAS tag namespace). Ids are stable UUIDs derived from names.
 *
 * Not expressible in Sigma and left out (listed in the pack header): time-of-day conditions, baselines,
 * first-seen and drift rules. Card numbers are matched by shape only (Sigma has no Luhn check).
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { CARD_EXPORT_PATTERN } from '../content-detectors.js';
import type { DetectionConfig } from '../config-schema.js';
import type { Predicate, Rule } from '../rule-schema.js';

type Selection = Record<string, unknown>;

export interface SigmaPack {
  documents: Array<Record<string, unknown>>;
  skipped: Array<{ rule_id: string; signal?: string; reason: string }>;
}

export function stableUuid(name: string): string {
  const h = createHash('sha1').update(`aisec-sigma:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const LEVEL: Record<string, string> = { info: 'informational', low: 'low', medium: 'medium', high: 'high', critical: 'critical' };
const LOGSOURCE = { product: 'aisec', service: 'ai_security' };

class Unsupported extends Error {}

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
    if ('outside_business_hours' in predicate) throw new Unsupported('time-of-day conditions cannot be written in Sigma');
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
      if (parts.length === 0) throw new Unsupported('empty keyed list');
      return `(${parts.join(' or ')})`;
    }
    throw new Unsupported(`no Sigma form for ${JSON.stringify(predicate)}`);
  }
}

function metadata(rule: Rule, name: string, suffix = '') {
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

function baseRule(rule: Rule, name: string, predicate: Predicate, extra?: { selections: Record<string, Selection | Selection[]>; condition: string }): Record<string, unknown> {
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

function levelSteps(rule: Rule, threshold: number, operator: 'gt' | 'gte'): Array<{ condition: Record<string, number>; severity: string; suffix: string }> {
  const steps = [{ condition: { [operator]: threshold }, severity: rule.severity, suffix: '' }];
  for (const step of rule.severity_ladder ?? []) steps.push({ condition: { gt: step.above }, severity: step.severity, suffix: ` (${step.severity}: > ${step.above})` });
  return steps;
}

export function sigmaPack(rules: Rule[], _config: DetectionConfig): SigmaPack {
  const documents: Array<Record<string, unknown>> = [];
  const skipped: SigmaPack['skipped'] = [];
  for (const rule of rules) {
    try {
      switch (rule.type) {
        case 'threshold':
          for (const signal of rule.signals) {
            try {
              const baseName = `${rule.id}_${signal.name}`;
              const base = baseRule(rule, baseName, signal.where);
              const window = signal.window ?? rule.window;
              const correlations = levelSteps(rule, signal.threshold, signal.operator).map((step, i) => ({
                ...metadata(rule, `${baseName}_correlation${i ? `_${step.severity}` : ''}`, step.suffix),
                correlation: {
                  type: signal.distinct ? 'value_count' : 'event_count',
                  rules: [baseName],
                  'group-by': signal.group_by,
                  timespan: window,
                  condition: { ...step.condition, ...(signal.distinct ? { field: signal.distinct } : {}) },
                },
                level: LEVEL[step.severity],
              }));
              documents.push(base, ...correlations);
            } catch (error) {
              if (!(error instanceof Unsupported)) throw error;
              skipped.push({ rule_id: rule.id, signal: signal.name, reason: error.message });
            }
          }
          break;
        case 'sequence': {
          const first = baseRule(rule, `${rule.id}_${rule.first.name}`, rule.first.where);
          const then = baseRule(rule, `${rule.id}_${rule.then.name}`, rule.then.where);
          documents.push(first, then, {
            ...metadata(rule, `${rule.id}_sequence`, (rule.then.differs_from_first ?? []).length ? ` (then-step field difference not expressible: ${rule.then.differs_from_first!.join(', ')})` : ''),
            correlation: { type: 'temporal_ordered', rules: [first.name, then.name], 'group-by': rule.group_by, timespan: rule.window },
            level: LEVEL[rule.severity],
          });
          break;
        }
        case 'content_match': {
          const selections: Record<string, Selection> = {};
          const names: string[] = [];
          rule.fields.forEach((field) =>
            rule.detectors.forEach((detector) => {
              const name = `content${names.length + 1}`;
              names.push(name);
              if (detector.kind === 'keywords') selections[name] = { [`${field}|contains`]: detector.terms };
              else if (detector.kind === 'luhn_card') selections[name] = { [`${field}|re`]: CARD_EXPORT_PATTERN };
              else selections[name] = { [`${field}|re`]: detector.pattern };
            }),
          );
          documents.push(baseRule(rule, rule.id, rule.where, { selections, condition: `1 of content*` }));
          break;
        }
        default:
          skipped.push({ rule_id: rule.id, reason: `${rule.type} rules need baselines or history that Sigma cannot express` });
      }
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      skipped.push({ rule_id: rule.id, reason: error.message });
    }
  }
  return { documents, skipped };
}

export function sigmaYaml(pack: SigmaPack): string {
  const header = [
    '# Sigma v2 rules and correlation rules generated by the aisec analytics service from its rule catalogue.',
    '# Field names are the ai_security event contract (flat snake_case); logsource product aisec, service ai_security.',
    ...pack.skipped.map((s) => `# not exported: ${s.rule_id}${s.signal ? ` (signal ${s.signal})` : ''} — ${s.reason}`),
  ].join('\n');
  return `${header}\n${pack.documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n')}`;
}
