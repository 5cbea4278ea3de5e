/**
 * UEBA and assurance settings from environment variables (see docs/ueba.md), validated with errors that
 * name the variable. Part of ServiceConfig as `config.ueba`.
 */
import { ConfigError, numberVar, type Env } from '../env-vars.js';

export interface UebaConfig {
  /** how often baselines, risk scores and daily metrics are refreshed; 0 = never (tests, or rebuild on demand only) */
  refreshIntervalMs: number;
  /** sliding baseline window of the scheduled refresh, in days */
  windowDays: number;
  /** IANA time zone of hour-of-week slots */
  timeZone: string;
  /** entities computed per round of aggregations */
  entityPageSize: number;
  /** buckets per composite aggregation page */
  compositePageSize: number;
  riskHalfLifeDays: number;
  riskLookbackDays: number;
  /** days of daily metrics each scheduled run recomputes (today included) */
  metricsDays: number;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function interval(env: Env, name: string, fallback: string): number {
  const raw = (env[name] ?? '').trim() || fallback;
  if (['off', '0', 'false', 'never'].includes(raw.toLowerCase())) return 0;
  const match = /^([1-9][0-9]{0,5})([smhd])$/.exec(raw);
  if (!match) throw new ConfigError(`${name} must look like 15m, 1h or 1d, or be "off" (got "${raw}")`);
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  if (ms < 60_000) throw new ConfigError(`${name} must be at least 1m (got "${raw}")`);
  return ms;
}

export function loadUebaConfig(env: Env): UebaConfig {
  const timeZone = env.AISEC_UEBA_TIMEZONE?.trim() || 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new ConfigError(`AISEC_UEBA_TIMEZONE must be an IANA time zone such as UTC or Europe/Berlin (got "${timeZone}")`);
  }
  return {
    refreshIntervalMs: interval(env, 'AISEC_UEBA_REFRESH_INTERVAL', '1h'),
    windowDays: numberVar(env, 'AISEC_UEBA_WINDOW_DAYS', 28, 1, 400),
    timeZone,
    entityPageSize: numberVar(env, 'AISEC_UEBA_ENTITY_PAGE', 250, 1, 2000),
    compositePageSize: numberVar(env, 'AISEC_UEBA_COMPOSITE_PAGE', 5000, 10, 20_000),
    riskHalfLifeDays: numberVar(env, 'AISEC_RISK_HALF_LIFE_DAYS', 7, 0.1, 365, false),
    riskLookbackDays: numberVar(env, 'AISEC_RISK_LOOKBACK_DAYS', 30, 1, 365),
    metricsDays: numberVar(env, 'AISEC_METRICS_REFRESH_DAYS', 8, 1, 90),
  };
}
