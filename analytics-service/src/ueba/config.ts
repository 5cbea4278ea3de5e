/**
 * UEBA and assurance settings, from the environment as read against the settings schema (settings/env-schema.ts;
 * see docs/ueba.md), validated with errors that name the variable. Part of ServiceConfig as `config.ueba`.
 */
import type { EnvVars } from '../settings/env-schema.js';
import { ConfigError } from '../settings/read-env.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../time/units.js';

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

const UNIT_MS: Record<string, number> = { s: SECOND_MS, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };

function interval(name: string, raw: string): number {
  if (['off', '0', 'false', 'never'].includes(raw.toLowerCase())) return 0;
  const match = /^([1-9][0-9]{0,5})([smhd])$/.exec(raw);
  if (!match) throw new ConfigError(`${name} must look like 15m, 1h or 1d, or be "off" (got "${raw}")`);
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  if (ms < 60_000) throw new ConfigError(`${name} must be at least 1m (got "${raw}")`);
  return ms;
}

export function loadUebaConfig(vars: EnvVars): UebaConfig {
  const timeZone = vars.AISEC_UEBA_TIMEZONE;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new ConfigError(`AISEC_UEBA_TIMEZONE must be an IANA time zone such as UTC or Europe/Berlin (got "${timeZone}")`);
  }
  return {
    refreshIntervalMs: interval('AISEC_UEBA_REFRESH_INTERVAL', vars.AISEC_UEBA_REFRESH_INTERVAL),
    windowDays: vars.AISEC_UEBA_WINDOW_DAYS,
    timeZone,
    entityPageSize: vars.AISEC_UEBA_ENTITY_PAGE,
    compositePageSize: vars.AISEC_UEBA_COMPOSITE_PAGE,
    riskHalfLifeDays: vars.AISEC_RISK_HALF_LIFE_DAYS,
    riskLookbackDays: vars.AISEC_RISK_LOOKBACK_DAYS,
    metricsDays: vars.AISEC_METRICS_REFRESH_DAYS,
  };
}
