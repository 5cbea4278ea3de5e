/**
 * Loads the rule catalogue: one YAML file per rule in `analytics-service/rules/`, `$rule.*` / `$lists.*`
 * references resolved from the detection config, validated against the rule schema and the event contract.
 * Any problem stops the load with the file, the place and the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { eventProperties } from '../contract/event-schema.js';
import { DetectionConfigError, derivedLists, type DetectionConfig } from './config-schema.js';
import { durationMs } from './duration.js';
import { RuleSchema, schemaOfType, type Predicate, type Rule } from './rule-schema.js';

export const DEFAULT_RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

export interface Catalogue {
  rules: Rule[];
  config: DetectionConfig;
  byId: Map<string, Rule>;
}

/** Contract fields a predicate may name (top-level, plus the `finding` object's members). */
export const PREDICATE_FIELDS: ReadonlySet<string> = new Set([
  ...Object.keys(eventProperties).filter((f) => f !== 'finding' && f !== 'extra'),
  ...Object.keys((eventProperties.finding as unknown as { properties: Record<string, TSchema> }).properties).map((f) => `finding.${f}`),
]);

function lookup(root: unknown, path: string[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !(segment in node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** Replaces `$rule.x`, `$lists.x`, `$business_hours`, `$timezone` strings; records which `$rule.*` names were used. */
function substitute(node: unknown, scope: Record<string, unknown>, file: string, used: Set<string>): unknown {
  if (typeof node === 'string' && /^\$[a-z_]+(\.[a-z0-9_]+)*$/.test(node)) {
    const path = node.slice(1).split('.');
    const value = lookup(scope, path);
    if (value === undefined) throw new DetectionConfigError(`${file}: ${node} is not defined in the detection config`);
    if (path[0] === 'rule') used.add(path.slice(1).join('.'));
    return value;
  }
  if (Array.isArray(node)) return node.map((item) => substitute(item, scope, file, used));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substitute(v, scope, file, used)]));
  }
  return node;
}

export function predicateFields(predicate: Predicate, out = new Set<string>()): Set<string> {
  if ('all' in predicate) predicate.all.forEach((p) => predicateFields(p, out));
  else if ('any' in predicate) predicate.any.forEach((p) => predicateFields(p, out));
  else if ('not' in predicate) predicateFields(predicate.not, out);
  else if ('field' in predicate) {
    out.add(predicate.field);
    if ('not_in_list_of' in predicate) out.add(predicate.not_in_list_of.key_field);
  }
  return out;
}

/** Every predicate of a rule, with where it sits (for error messages). */
export function rulePredicates(rule: Rule): Array<[string, Predicate]> {
  switch (rule.type) {
    case 'threshold':
      return rule.signals.map((s) => [`signals.${s.name}.where`, s.where]);
    case 'sequence':
      return [
        ['first.where', rule.first.where],
        ['then.where', rule.then.where],
      ];
    default:
      return [['where', rule.where]];
  }
}

function checkSemantics(rule: Rule, file: string): void {
  for (const [where, predicate] of rulePredicates(rule)) {
    for (const field of predicateFields(predicate)) {
      if (!PREDICATE_FIELDS.has(field)) throw new DetectionConfigError(`${file}: ${where} names "${field}", which is not an event contract field`);
    }
  }
  const windowMs = durationMs(rule.window);
  if (windowMs < 60_000 || windowMs > 31 * 86_400_000) throw new DetectionConfigError(`${file}: window ${rule.window} must be from 1m to 31d`);
  if (rule.type === 'threshold') {
    const names = new Set<string>();
    for (const signal of rule.signals) {
      if (names.has(signal.name)) throw new DetectionConfigError(`${file}: signal name ${signal.name} is used twice`);
      names.add(signal.name);
      if (signal.distinct && !PREDICATE_FIELDS.has(signal.distinct)) throw new DetectionConfigError(`${file}: distinct field ${signal.distinct} is not a contract field`);
    }
  }
  const ladder = rule.severity_ladder ?? [];
  for (let i = 1; i < ladder.length; i++) {
    if (ladder[i]!.above <= ladder[i - 1]!.above) throw new DetectionConfigError(`${file}: severity_ladder steps must rise`);
  }
}

export function loadCatalogue(config: DetectionConfig, rulesDir: string = DEFAULT_RULES_DIR): Catalogue {
  const files = readdirSync(rulesDir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const lists = derivedLists(config);
  const rules: Rule[] = [];
  const byId = new Map<string, Rule>();
  const usedByRule = new Map<string, Set<string>>();
  for (const file of files) {
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(join(rulesDir, file), 'utf8'));
    } catch (error) {
      throw new DetectionConfigError(`rules/${file} is not valid YAML: ${(error as Error).message}`);
    }
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') throw new DetectionConfigError(`rules/${file} has no id`);
    if (file.replace(/\.ya?ml$/, '') !== id) throw new DetectionConfigError(`rules/${file}: the file name must be the rule id (${id}.yaml)`);
    const used = new Set<string>();
    const scope = { rule: config.rules[id] ?? {}, lists, business_hours: config.business_hours, timezone: config.timezone };
    const resolved = substitute(raw, scope, `rules/${file}`, used) as Record<string, unknown>;
    const enabledOverride = config.rules[id]?.enabled;
    if (typeof enabledOverride === 'boolean') resolved.enabled = enabledOverride;
    const schema = schemaOfType(String(resolved.type));
    if (!schema) throw new DetectionConfigError(`rules/${file}: unknown rule type "${String(resolved.type)}"`);
    const withDefaults = Value.Default(schema, Value.Clone(resolved));
    if (!Value.Check(schema, withDefaults)) {
      const first = [...Value.Errors(schema, withDefaults)][0];
      throw new DetectionConfigError(`rules/${file} is invalid at ${first?.path || '/'}: ${first?.message ?? 'unknown error'}`);
    }
    if (!Value.Check(RuleSchema, withDefaults)) throw new DetectionConfigError(`rules/${file} does not match the rule schema`);
    const rule = withDefaults as Rule;
    if (byId.has(rule.id)) throw new DetectionConfigError(`rules/${file}: rule id ${rule.id} is defined twice`);
    checkSemantics(rule, `rules/${file}`);
    rules.push(rule);
    byId.set(rule.id, rule);
    usedByRule.set(rule.id, used);
  }
  for (const [id, tunables] of Object.entries(config.rules)) {
    if (!byId.has(id)) throw new DetectionConfigError(`detection config rules.${id} names no rule in rules/`);
    const used = usedByRule.get(id)!;
    for (const name of Object.keys(tunables)) {
      if (name !== 'enabled' && !used.has(name)) throw new DetectionConfigError(`detection config rules.${id}.${name} is not used by rules/${id}.yaml`);
    }
  }
  return { rules, config, byId };
}

export function ruleWindowMs(rule: Rule): number {
  return durationMs(rule.window);
}
