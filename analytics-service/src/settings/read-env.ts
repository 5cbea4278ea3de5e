/**
 * The one loader of the environment: reads every variable of ENV_SCHEMA, fills defaults for unset or blank ones and
 * throws a ConfigError naming the variable, what it must be and what it got otherwise, so every setting fails the
 * same way at start.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { ENV_SCHEMA, type EnvVars, type EnvVarSchema } from './env-schema.js';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function readNumber(name: string, schema: EnvVarSchema, raw: string, whole: boolean): number {
  const value = Number(raw);
  const min = schema.minimum!;
  const max = schema.maximum!;
  if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    throw new ConfigError(`${name} must be a ${whole ? 'whole ' : ''}number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function readFlag(name: string, raw: string, original: string | undefined): boolean {
  const value = raw.toLowerCase();
  if (value === 'false' || value === '0' || value === 'no') return false;
  if (value === 'true' || value === '1' || value === 'yes') return true;
  throw new ConfigError(`${name} must be true or false (got "${original}")`);
}

function readOneOf(name: string, schema: EnvVarSchema, raw: string): string {
  const values = ((schema as { anyOf?: Array<{ const: string }> }).anyOf ?? []).map((s) => s.const);
  if (!values.includes(raw)) throw new ConfigError(`${name} must be one of ${values.join(', ')} (got "${raw}")`);
  return raw;
}

function readText(schema: EnvVarSchema, raw: string): string {
  if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(raw)) throw new ConfigError(schema['x-invalid']!.replace('{value}', raw));
  return raw;
}

/** One variable: its default when unset or blank, else the value read according to its schema. */
function readVar(env: Env, name: string, schema: EnvVarSchema): unknown {
  if (schema['x-verbatim']) return env[name];
  const raw = env[name]?.trim() ?? '';
  if (schema['x-removed'] !== undefined) {
    if (raw !== '') throw new ConfigError(schema['x-removed']);
    return undefined;
  }
  if (raw === '') return schema.default;
  switch ((schema as TSchema)[Kind]) {
    case 'Integer':
      return readNumber(name, schema, raw, true);
    case 'Number':
      return readNumber(name, schema, raw, false);
    case 'Boolean':
      return readFlag(name, raw, env[name]);
    case 'Union':
      return readOneOf(name, schema, raw);
    default:
      return readText(schema, raw);
  }
}

/** Reads the environment against ENV_SCHEMA, in the schema's order (the first bad variable is the one reported). */
export function readEnv(env: Env): EnvVars {
  const vars: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(ENV_SCHEMA.properties)) {
    const value = readVar(env, name, schema as EnvVarSchema);
    if (value !== undefined) vars[name] = value;
  }
  return vars as EnvVars;
}
