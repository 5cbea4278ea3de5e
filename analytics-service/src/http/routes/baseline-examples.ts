/** Example documents for the OpenAPI description of the baseline API. */
import type { BaselineDocument } from '../../ueba/baseline-document.js';

const weekdayHours = (value: number) =>
  Array.from({ length: 168 }, (_, slot) => {
    const day = Math.floor(slot / 24);
    const hour = slot % 24;
    return day < 5 && hour >= 9 && hour < 18 ? value * (day === 0 ? 2 : 1) : 0;
  });

export const baselineExample: BaselineDocument = {
  '@timestamp': '2026-02-02T00:00:04.000Z',
  entity_kind: 'user',
  entity_id: 'jgill@example.com',
  window_start: '2026-01-05T00:00:00.000Z',
  window_end: '2026-02-02T00:00:00.000Z',
  time_zone: 'UTC',
  first_seen: '2025-11-03T08:02:11.000Z',
  last_seen: '2026-02-01T17:58:40.000Z',
  history_days: 90.66,
  event_count: 4210,
  request_count: 3968,
  active_hours: 212,
  active_days: 20,
  session_count: 388,
  department: 'finance',
  peer_group: 'finance',
  countries: ['GB'],
  models: ['claude-sonnet-4-5-20250929', 'gpt-4o'],
  endpoints: ['/api/v1/chat'],
  tools: [],
  requests_per_active_hour: { count: 212, mean: 18.7, sd: 7.9, min: 1, max: 44, median: 17, mad: 5, p95: 34, p99: 41 },
  hourly_cost_usd: { count: 212, mean: 0.41, sd: 0.19, min: 0.01, max: 1.2, median: 0.38, mad: 0.11, p95: 0.79, p99: 1.05 },
  hourly_tokens_out: { count: 212, mean: 7400, sd: 3100, min: 320, max: 19000, median: 6900, mad: 2000, p95: 13200, p99: 16800 },
  tokens_in: { count: 3968, mean: 452, sd: 120, min: 40, max: 1900, median: 440, mad: 70, p95: 660, p99: 890 },
  tokens_out: { count: 3968, mean: 395, sd: 140, min: 12, max: 2400, median: 380, mad: 85, p95: 640, p99: 910 },
  cost_usd: { count: 3968, mean: 0.022, sd: 0.009, min: 0.001, max: 0.12, median: 0.02, mad: 0.005, p95: 0.038, p99: 0.055 },
  session_cost_usd: { count: 388, mean: 0.23, sd: 0.1, min: 0.01, max: 0.9, median: 0.21, mad: 0.06, p95: 0.41, p99: 0.62 },
  volume_dispersion: 0.0836,
  risk_score: 51.2,
  risk_level: 'Moderate',
  risk_alert_count: 3,
  risk_updated_at: '2026-02-02T00:00:05.000Z',
  profile: {
    hour_of_week: { total: weekdayHours(68), occurrences: Array(168).fill(4), mean: weekdayHours(17), median: weekdayHours(17) },
    hour_of_day_active_hours: Array.from({ length: 24 }, (_, h) => (h >= 9 && h < 18 ? 23 : 0)),
    categories: [{ value: 'request', count: 3968 }, { value: 'judge_flag', count: 242 }],
    countries: [{ value: 'GB', count: 4210 }],
    models: [{ value: 'claude-sonnet-4-5-20250929', count: 3100 }, { value: 'gpt-4o', count: 1110 }],
    endpoints: [{ value: '/api/v1/chat', count: 4210 }],
    tools: [],
    departments: [{ value: 'finance', count: 4210 }],
    users: [],
    distinct: { countries: 1, models: 2, endpoints: 1, tools: 0, users: 1 },
  },
};

export const profileExample = {
  kind: 'user',
  id: 'jgill@example.com',
  baseline: baselineExample,
  risk: {
    score: 51.2,
    level: 'Moderate',
    alert_count: 3,
    half_life_days: 7,
    lookback_days: 30,
    formula: 'Σ_i risk_(i)·0.5^(age/half_life) / i^1.5 / ζ(1.5), alerts sorted by decayed risk, descending',
    contributions: [
      { id: 'ueba_volume_spike:user:jgill@example.com:2026-02-01T14:00:00.000Z', rule_id: 'ueba_volume_spike', timestamp: '2026-02-01T14:00:00.000Z', risk: 73, decayed: 72.3, weight: 1, contribution: 72.3 },
    ],
  },
  recent_anomalies: [
    {
      id: 'ueba_volume_spike:user:jgill@example.com:2026-02-01T14:00:00.000Z',
      rule_id: 'ueba_volume_spike',
      timestamp: '2026-02-01T14:00:00.000Z',
      severity: 'medium',
      observed: 340,
      explanation: {
        feature: 'requests_per_hour',
        observed: 340,
        expected: 17,
        spread: 6.3,
        score: 100,
        baseline_window: { start: '2026-01-05T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' },
        text: '340 requests in the hour from Sun 14:00 (UTC), 20× the expected 17 ± 6.3 …',
      },
    },
  ],
};
