/**
 * Reading environment variables: each reader returns the fallback when the variable is unset or blank and throws
 * a ConfigError naming the variable, what it must be and what it got otherwise. Used by every settings loader
 * (config.ts, detection/settings.ts, ueba/config.ts, export/settings.ts), so they all fail the same way at start.
 */
export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A number from min to max; whole unless `whole` is false. */
export function numberVar(env: Env, name: string, fallback: number, min: number, max: number, whole = true): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    throw new ConfigError(`${name} must be a ${whole ? 'whole ' : ''}number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

export function oneOfVar<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${values.join(', ')} (got "${raw}")`);
  return raw as T;
}

/** true/1/yes or false/0/no (any case); unset or blank is the fallback. */
export function flagVar(env: Env, name: string, fallback = false): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (raw === 'false' || raw === '0' || raw === 'no') return false;
  if (raw === 'true' || raw === '1' || raw === 'yes') return true;
  throw new ConfigError(`${name} must be true or false (got "${env[name]}")`);
}
