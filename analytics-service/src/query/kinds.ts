/**
 * The query API's model: a batch of targets, each one of a small set of kinds, answered with Grafana data frames.
 *
 * One source for three readers: the service validates each target with these schemas, the OpenAPI document shows
 * them, and the Grafana datasource imports the derived types (type-only) so its query model cannot drift.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ENTITY_KINDS, type EntityKind } from '../contract/entities.js';
import { CATEGORIES, SEVERITIES, type Category, type Severity } from '../contract/event-schema.js';

/** Exact filter values, matched with `terms`; several values of one filter are OR-ed, different filters AND-ed. */
const values = <T extends TSchema>(item: T, description: string) => Type.Optional(Type.Array(item, { maxItems: 500, description }));
const filterValue = Type.String({ minLength: 1, maxLength: 1024 });
const literals = <T extends readonly string[]>(items: T) => Type.Union(items.map((i) => Type.Literal(i))) as unknown as TSchema & { static: T[number] };
const categoryValue = literals(CATEGORIES) as TSchema & { static: Category };
const severityValue = literals(SEVERITIES) as TSchema & { static: Severity };

/** Filters every kind accepts. Kinds over the alerts index ignore `category` (alerts carry a rule, not a category). */
export const filterProperties = {
  user_id: values(filterValue, 'users'),
  endpoint: values(filterValue, 'application endpoints'),
  model: values(filterValue, 'models'),
  category: values(categoryValue, 'event categories'),
  severity: values(severityValue, 'severities'),
};
export const FILTER_FIELDS = Object.keys(filterProperties) as Array<keyof typeof filterProperties>;

const target = <K extends string, P extends Record<string, TSchema>>(kind: K, description: string, properties: P) =>
  Type.Object(
    {
      refId: Type.String({ minLength: 1, maxLength: 64, description: 'Grafana query id; the answer is keyed by it' }),
      kind: Type.Literal(kind),
      ...filterProperties,
      ...properties,
    },
    { additionalProperties: false, description, $id: `Query_${kind}` },
  );

const limit = (fallback: number, max: number) => Type.Optional(Type.Integer({ minimum: 1, maximum: max, default: fallback }));

export const EVENT_GROUP_FIELDS = ['category', 'severity', 'decision', 'model', 'endpoint', 'user_id', 'risk_tier'] as const;
export const VALUE_FIELDS = ['user_id', 'model', 'endpoint', 'category', 'judge_model', 'policy_violated', 'rule_id'] as const;
export const ALERT_GROUP_FIELDS = ['severity', 'rule_id', 'user_id'] as const;

export const EventVolumeQuery = target('event_volume', 'Events over time, one series per value of `groupBy` (seed 001 panel 1).', {
  groupBy: Type.Optional(Type.Union(EVENT_GROUP_FIELDS.map((f) => Type.Literal(f)), { default: 'category' })),
  limit: limit(15, 100),
});

export const TopUsersQuery = target('top_users', 'Users ranked by alert count, with a per-severity breakdown (seed 001 panel 2).', {
  source: Type.Optional(
    Type.Union([Type.Literal('alerts'), Type.Literal('events')], {
      default: 'alerts',
      description: 'alerts: the detection engine’s alerts; events: high/critical events, as seed 001 panel 2 counts them',
    }),
  ),
  limit: limit(10, 500),
});

export const RiskMatrixQuery = target('risk_matrix', 'Event counts by risk tier × category, with the highest severity per cell (seed 001 panel 4).', {
  includeRequests: Type.Optional(Type.Boolean({ default: false, description: 'count ordinary `request` traffic too' })),
});

export const JudgeScoreDistributionQuery = target('judge_score_distribution', 'Histogram of judge scores (seed 001 panel 5).', {
  // at most 1000 buckets: a smaller size would ask Elasticsearch for more buckets than it computes in one request
  bucketSize: Type.Optional(Type.Number({ minimum: 0.001, maximum: 1, default: 0.1 })),
  byJudgeModel: Type.Optional(Type.Boolean({ default: false })),
});

export const JudgeDriftQuery = target(
  'judge_drift',
  'Daily mean judge score per judge model against its trailing mean; days the judge_drift rule flags (mean or distribution shift, low reviewer agreement) are flagged (seed 001 §6).',
  {
    judge_model: values(filterValue, 'judge models'),
    threshold: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1, description: "mean-shift threshold for exploring; default (and the alert's): the judge_drift rule's max_abs_diff" }),
    ),
    trailingDays: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 90, description: "reference days for exploring; default (and the alert's): the judge_drift rule's trailing_days" }),
    ),
  },
);

export const GuardrailEffectivenessQuery = target(
  'guardrail_effectiveness',
  'Threats caught by guardrails vs caught by the judge after the guardrail passed them (seed 001 panel 3).',
  {
    format: Type.Optional(Type.Union([Type.Literal('timeseries'), Type.Literal('total')], { default: 'timeseries' })),
    byPolicy: Type.Optional(Type.Boolean({ default: false, description: 'one row per policy_violated (total format)' })),
  },
);

export const AlertsQuery = target('alerts', 'Alerts, newest first.', {
  rule_id: values(filterValue, 'rule ids'),
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')], { default: 'all' })),
  limit: limit(100, 1000),
});

export const AlertSummaryQuery = target('alert_summary', 'Alert counts per severity (ladder order, zeros included), rule or user.', {
  groupBy: Type.Optional(Type.Union(ALERT_GROUP_FIELDS.map((f) => Type.Literal(f)), { default: 'severity' })),
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')], { default: 'open' })),
  rule_id: values(filterValue, 'rule ids'),
});

export const EntityBaselineQuery = target('entity_baseline', 'One entity’s profile: stored baseline, usage over the range, and an hour-of-week heatmap.', {
  entityKind: Type.Union(ENTITY_KINDS.map((k) => Type.Literal(k)), { default: 'user' }),
  entityId: Type.String({ minLength: 1, maxLength: 1024 }),
  section: Type.Optional(
    Type.Union([Type.Literal('all'), Type.Literal('summary'), Type.Literal('profile'), Type.Literal('hour_of_week')], {
      default: 'all',
      description: 'one frame only, for a panel that shows one of them',
    }),
  ),
});

export const ValuesQuery = target('values', 'Distinct values of a field, most frequent first: template variables.', {
  field: Type.Union(VALUE_FIELDS.map((f) => Type.Literal(f))),
  limit: limit(200, 1000),
});

export const AnnotationsQuery = target('annotations', 'Alerts as annotations: time, timeEnd, title, text, tags.', {
  minSeverity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)), { default: 'high' })),
  rule_id: values(filterValue, 'rule ids'),
  limit: limit(500, 2000),
});

export const QUERY_SCHEMAS = {
  event_volume: EventVolumeQuery,
  top_users: TopUsersQuery,
  risk_matrix: RiskMatrixQuery,
  judge_score_distribution: JudgeScoreDistributionQuery,
  judge_drift: JudgeDriftQuery,
  guardrail_effectiveness: GuardrailEffectivenessQuery,
  alerts: AlertsQuery,
  alert_summary: AlertSummaryQuery,
  entity_baseline: EntityBaselineQuery,
  values: ValuesQuery,
  annotations: AnnotationsQuery,
} as const;

export type QueryKind = keyof typeof QUERY_SCHEMAS;
export const QUERY_KINDS = Object.keys(QUERY_SCHEMAS) as QueryKind[];
export type QueryTargetOf<K extends QueryKind> = Static<(typeof QUERY_SCHEMAS)[K]>;
/** The discriminated union of every target the API answers. */
export type QueryTarget = { [K in QueryKind]: QueryTargetOf<K> }[QueryKind];
export type QueryFilters = Pick<QueryTarget, (typeof FILTER_FIELDS)[number]>;
export type EventGroupField = (typeof EVENT_GROUP_FIELDS)[number];
export type ValueField = (typeof VALUE_FIELDS)[number];
export { ENTITY_KINDS, type EntityKind };

/** The widest bucket a caller may ask for: a year (Elasticsearch reads the interval as a whole number of ms). */
export const MAX_INTERVAL_MS = 366 * 86_400_000;

export const QueryRequestSchema = Type.Object(
  {
    range: Type.Object({
      from: Type.String({ format: 'date-time' }),
      to: Type.String({ format: 'date-time' }),
    }),
    intervalMs: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_INTERVAL_MS, description: 'Grafana’s interval: the smallest bucket worth drawing (at most 366 days)' }),
    ),
    maxDataPoints: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'at most this many buckets per series' })),
    // targets are validated one by one, so one bad target fails alone rather than the batch
    targets: Type.Array(
      Type.Object({ refId: Type.String({ minLength: 1, maxLength: 64 }), kind: Type.String() }, { additionalProperties: true }),
      { minItems: 1, maxItems: 50, description: `each one of: ${QUERY_KINDS.join(', ')}` },
    ),
  },
  { additionalProperties: false },
);
export type QueryRequest = Static<typeof QueryRequestSchema>;

// ---- the answer: Grafana data frames in the shape of @grafana/data's DataFrameDTO ----

/** `other` carries string arrays (annotation tags). */
export type FieldType = 'time' | 'number' | 'string' | 'boolean' | 'other';

export interface FieldJson {
  name: string;
  type: FieldType;
  values: Array<number | string | boolean | string[] | null>;
  labels?: Record<string, string>;
  config?: { unit?: string; displayName?: string; displayNameFromDS?: string; min?: number; max?: number; decimals?: number; links?: Array<{ title: string; url: string }> };
}

export interface FrameJson {
  name?: string;
  refId?: string;
  meta?: { type?: string; preferredVisualisationType?: 'graph' | 'table' | 'logs' | 'trace' | 'nodeGraph' | 'flamegraph'; notices?: Array<{ severity: 'info' | 'warning' | 'error'; text: string }>; custom?: Record<string, unknown> };
  fields: FieldJson[];
}

export interface TargetResult {
  status: number;
  frames: FrameJson[];
  error?: string;
}

export interface QueryResponse {
  results: Record<string, TargetResult>;
}
