/**
 * The baseline document: one per entity in `<prefix>-baselines`, id `<kind>:<entity>`.
 * This TypeBox schema is the one source of its TypeScript type and of the baseline API's response schema;
 * `elasticsearch/mappings.ts` indexes its flat numeric and keyword fields for Grafana.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ENTITY_KINDS } from './entities.js';

const number = (description: string) => Type.Number({ description });
const optionalNumber = (description: string) => Type.Optional(number(description));

export const DistributionSchema = Type.Object(
  {
    count: Type.Integer({ minimum: 0, description: 'values summarized' }),
    mean: optionalNumber('arithmetic mean'),
    sd: optionalNumber('population standard deviation'),
    min: optionalNumber('smallest value'),
    max: optionalNumber('largest value'),
    median: optionalNumber('50th percentile'),
    mad: optionalNumber('median absolute deviation (unscaled; ×1.4826 estimates σ for normal data)'),
    p95: optionalNumber('95th percentile'),
    p99: optionalNumber('99th percentile'),
  },
  { description: 'Summary of a distribution; statistics are absent when count is 0.' },
);
export type Distribution = Static<typeof DistributionSchema>;

export const SeenValueSchema = Type.Object({ value: Type.String(), count: Type.Integer({ minimum: 0 }) });
export type SeenValue = Static<typeof SeenValueSchema>;

const seenList = (what: string) => Type.Array(SeenValueSchema, { description: `${what}, most frequent first (top 25)` });
const hourVector = (description: string) => Type.Array(Type.Number(), { minItems: 168, maxItems: 168, description });

export const HourOfWeekSchema = Type.Object(
  {
    total: hourVector('requests in each hour-of-week slot over the window (slot 0 = Monday 00:00 local)'),
    occurrences: hourVector('how many times each slot occurred since the entity was first seen in the window'),
    mean: hourVector('requests per occurrence of the slot: total / occurrences'),
    median: hourVector('median of the per-occurrence counts of the slot, zeros included (the robust seasonal expectation)'),
  },
  { description: 'Hour-of-week activity profile: 168 slots in the configured time zone.' },
);

export const BaselineProfileSchema = Type.Object(
  {
    hour_of_week: HourOfWeekSchema,
    hour_of_day_active_hours: Type.Array(Type.Integer(), {
      minItems: 24,
      maxItems: 24,
      description: 'active hours (≥ 1 request) per local hour of day; the off-profile-hours rule reads it',
    }),
    categories: seenList('event categories'),
    countries: seenList('src_country values'),
    models: seenList('models'),
    endpoints: seenList('endpoints'),
    tools: seenList('tools'),
    departments: seenList('user_department values'),
    users: seenList('users (for models, endpoints and agents)'),
    distinct: Type.Object({
      countries: Type.Integer(),
      models: Type.Integer(),
      endpoints: Type.Integer(),
      tools: Type.Integer(),
      users: Type.Integer(),
    }),
  },
  { description: 'Detail kept for scoring and display, not indexed.' },
);

export const BaselineDocumentSchema = Type.Object(
  {
    '@timestamp': Type.String({ format: 'date-time', description: 'when this baseline was computed' }),
    entity_kind: Type.Unsafe<(typeof ENTITY_KINDS)[number]>({ type: 'string', enum: [...ENTITY_KINDS] }),
    entity_id: Type.String(),
    window_start: Type.String({ format: 'date-time', description: 'start of the baseline window (inclusive)' }),
    window_end: Type.String({ format: 'date-time', description: 'end of the baseline window (exclusive)' }),
    time_zone: Type.String({ description: 'IANA zone of the hour-of-week slots' }),
    first_seen: Type.String({ format: 'date-time', description: 'earliest event ever seen by a baseline refresh' }),
    last_seen: Type.String({ format: 'date-time', description: 'latest event in the window' }),
    history_days: number('days from first_seen to window_end: the minimum-history guards read it'),
    event_count: Type.Integer({ description: 'events of any category in the window' }),
    request_count: Type.Integer({ description: '`request` events in the window (the basis of volume, token and cost features)' }),
    active_hours: Type.Integer({ description: 'hours with at least one request' }),
    active_days: Type.Integer({ description: 'days with at least one request' }),
    session_count: Type.Integer({ description: 'distinct session_id values (users and agents)' }),
    department: Type.Optional(Type.String({ description: 'most frequent user_department' })),
    peer_group: Type.Optional(Type.String({ description: 'peer group for population comparison (users: their department)' })),
    countries: Type.Array(Type.String(), { description: 'countries seen (top 25)' }),
    models: Type.Array(Type.String(), { description: 'models seen (top 25)' }),
    endpoints: Type.Array(Type.String(), { description: 'endpoints seen (top 25)' }),
    tools: Type.Array(Type.String(), { description: 'tools seen (top 25)' }),
    requests_per_active_hour: DistributionSchema,
    hourly_cost_usd: DistributionSchema,
    hourly_tokens_out: DistributionSchema,
    tokens_in: DistributionSchema,
    tokens_out: DistributionSchema,
    cost_usd: DistributionSchema,
    session_cost_usd: DistributionSchema,
    volume_dispersion: number('dispersion α of hourly request counts (Var = μ + αμ²), read from their median and p95 as a log-normal rate with Poisson noise'),
    risk_score: optionalNumber('entity risk score 0–100 (users and agents)'),
    risk_level: Type.Optional(Type.String({ description: 'Unknown < 20 ≤ Low < 40 ≤ Moderate < 70 ≤ High < 90 ≤ Critical' })),
    risk_alert_count: Type.Optional(Type.Integer({ description: 'alerts that contributed to risk_score' })),
    risk_updated_at: Type.Optional(Type.String({ format: 'date-time' })),
    profile: BaselineProfileSchema,
  },
  { $id: 'Baseline', description: 'Behavioural baseline of one entity.' },
);
export type BaselineDocument = Static<typeof BaselineDocumentSchema>;
