/**
 * Detection configuration: the tunables and lists rules refer to as `$rule.*` and `$lists.*`.
 * `analytics-service/config/detection.yaml` ships the seeds' defaults; a deployment overrides any part of it
 * with a file named by AISEC_DETECTION_CONFIG (deep-merged: objects merge key by key, lists are replaced).
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { literals } from './rule-schema.js';

const HourMinute = Type.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$' });
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const DetectionConfigSchema = Type.Object(
  {
    timezone: Type.String({ minLength: 1, description: 'IANA time zone for business hours and daily buckets' }),
    business_hours: Type.Object(
      {
        start: HourMinute,
        end: HourMinute,
        days: Type.Array(literals(WEEKDAYS), { minItems: 1, uniqueItems: true }),
      },
      { additionalProperties: false },
    ),
    lists: Type.Object(
      {
        approved_models: Type.Array(Type.String()),
        allowed_email_domains: Type.Array(Type.String()),
        threat_intel_ips: Type.Array(Type.String()),
        department_data_domains: Type.Record(Type.String(), Type.Array(Type.String())),
        model_data_domains: Type.Record(Type.String(), Type.String()),
        agent_tool_allowlists: Type.Record(Type.String(), Type.Array(Type.String())),
        jailbreak_keywords: Type.Array(Type.String({ minLength: 1 })),
        authority_phrases: Type.Array(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    ),
    rules: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type DetectionConfig = Static<typeof DetectionConfigSchema>;

export class DetectionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DetectionConfigError';
  }
}

export const DEFAULT_CONFIG_PATH = new URL('../../config/detection.yaml', import.meta.url);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override === undefined ? base : override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(base[key], value);
  return merged;
}

function readYaml(path: string | URL): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DetectionConfigError(`cannot read detection config ${String(path)}: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new DetectionConfigError(`detection config ${String(path)} is not valid YAML: ${(error as Error).message}`);
  }
}

/** The shipped defaults, merged with the file at `overridePath` when given. */
export function loadDetectionConfig(overridePath?: string): DetectionConfig {
  let raw = readYaml(DEFAULT_CONFIG_PATH);
  if (overridePath) raw = deepMerge(raw, readYaml(overridePath) ?? {});
  if (!Value.Check(DetectionConfigSchema, raw)) {
    const first = [...Value.Errors(DetectionConfigSchema, raw)][0];
    const where = overridePath ? `${overridePath} merged over the defaults` : 'config/detection.yaml';
    throw new DetectionConfigError(`detection config (${where}) is invalid at ${first?.path || '/'}: ${first?.message ?? 'unknown error'}`);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: raw.timezone });
  } catch {
    throw new DetectionConfigError(`detection config timezone "${raw.timezone}" is not an IANA time zone (e.g. UTC, Europe/London)`);
  }
  return raw;
}

/** Lists computed from others, so that rules can name them: which departments may use each domain model. */
export function derivedLists(config: DetectionConfig): Record<string, unknown> {
  const modelAllowedDepartments: Record<string, string[]> = {};
  for (const [model, domain] of Object.entries(config.lists.model_data_domains)) {
    modelAllowedDepartments[model] = Object.entries(config.lists.department_data_domains)
      .filter(([, domains]) => domains.includes(domain))
      .map(([department]) => department)
      .sort();
  }
  return { ...config.lists, model_allowed_departments: modelAllowedDepartments };
}
