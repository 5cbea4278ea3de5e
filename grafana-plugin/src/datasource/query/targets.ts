/**
 * From Grafana queries to the service's query targets: template variables expanded (multi-value variables become
 * several exact values, "All" drops the filter), Grafana's own bookkeeping fields dropped. No React, no HTTP.
 */
import type { ScopedVars } from '@grafana/data';
import { ALL_VALUE, type AisecQuery, type QueryTarget } from '../types';

/** A custom variable format: the variable's value (an array for multi-value variables) to the text it becomes. */
export type VariableFormatter = (value: unknown) => string;

/** The part of Grafana's TemplateSrv this module needs. */
export interface VariableReplacer {
  replace(target?: string, scopedVars?: ScopedVars, format?: string | VariableFormatter): string;
  containsTemplate?(target?: string): boolean;
}

/** Fields of Grafana's DataQuery that are not part of the service's target. */
const GRAFANA_FIELDS = new Set(['refId', 'hide', 'key', 'queryType', 'datasource']);
const ALL_VALUES = new Set([ALL_VALUE, '$__all', '*']);
const hasVariable = (text: string, replacer: VariableReplacer) => (replacer.containsTemplate ? replacer.containsTemplate(text) : /\$/.test(text));

/** One filter entry, which may be a literal value or a (multi-value) variable, as the exact values it stands for. */
export function expandValue(item: string, scopedVars: ScopedVars | undefined, replacer: VariableReplacer): string[] {
  if (!hasVariable(item, replacer)) return [item];
  const replaced = replacer.replace(item, scopedVars, (value: unknown) => JSON.stringify(Array.isArray(value) ? value : [value]));
  try {
    const parsed: unknown = JSON.parse(replaced);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // the variable was part of a longer string, e.g. "prefix-$user": use the plain interpolation
  }
  return [replacer.replace(item, scopedVars)];
}

/** Expands a list of filter entries; undefined when empty or when any entry means "All". */
export function expandFilter(items: readonly string[], scopedVars: ScopedVars | undefined, replacer: VariableReplacer): string[] | undefined {
  const values = items.flatMap((item) => expandValue(item, scopedVars, replacer)).map((v) => v.trim()).filter((v) => v !== '');
  if (values.length === 0 || values.some((v) => ALL_VALUES.has(v))) return undefined;
  return [...new Set(values)];
}

/** The service target for a Grafana query; the service validates kinds and values and answers errors per target. */
export function toTarget(query: AisecQuery, scopedVars: ScopedVars | undefined, replacer: VariableReplacer): QueryTarget {
  const target: Record<string, unknown> = { refId: query.refId };
  for (const [key, value] of Object.entries(query)) {
    if (GRAFANA_FIELDS.has(key) || value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      const expanded = expandFilter(value.map(String), scopedVars, replacer);
      if (expanded) target[key] = expanded;
    } else if (typeof value === 'string' && key !== 'kind') {
      target[key] = replacer.replace(value, scopedVars);
    } else {
      target[key] = value;
    }
  }
  return target as QueryTarget;
}

export interface QueryRequestBody {
  range: { from: string; to: string };
  intervalMs?: number;
  maxDataPoints?: number;
  targets: QueryTarget[];
}

export function requestBody(targets: QueryTarget[], range: { from: { valueOf(): number }; to: { valueOf(): number } }, intervalMs?: number, maxDataPoints?: number): QueryRequestBody {
  const body: QueryRequestBody = {
    range: { from: new Date(range.from.valueOf()).toISOString(), to: new Date(range.to.valueOf()).toISOString() },
    targets,
  };
  if (intervalMs !== undefined && intervalMs > 0) body.intervalMs = Math.round(intervalMs);
  if (maxDataPoints !== undefined && maxDataPoints > 0) body.maxDataPoints = Math.round(maxDataPoints);
  return body;
}
