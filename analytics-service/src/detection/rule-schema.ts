/**
 * The shape of a detection rule file (`analytics-service/rules/*.yaml`), as TypeBox schemas.
 * Rules are validated against these at load; the TypeScript types below are derived from them.
 *
 * A rule file may write `$rule.<name>` or `$lists.<name>` (or `$business_hours`, `$timezone`) for any value:
 * the loader substitutes the deployment's detection config before validating, so thresholds, windows and
 * lists live in `config/detection.yaml` while the logic lives in the rule.
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { SEVERITIES } from '../contract/event-schema.js';
import { DURATION_PATTERN } from './duration.js';
import { UebaAnomalySchema, UebaEntityKindsSchema, UebaParamsSchema } from '../ueba/rule-params.js';

const Duration = Type.String({ pattern: DURATION_PATTERN, description: 'e.g. 30s, 15m, 1h, 7d' });
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const FieldPath = Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)?$', description: 'contract field, e.g. user_id or finding.confidence' });
/** A string enum as a union of literals (checkable by TypeBox's Value and by Ajv alike). */
export const literals = <T extends string>(values: readonly T[], options = {}) =>
  Type.Union(values.map((v) => Type.Literal(v)), options) as unknown as TUnion<TLiteral<T>[]>;
export const SeveritySchema = literals(SEVERITIES);

/** Fields an alert can be keyed by; each has a top-level field in the alert mapping. */
export const ENTITY_FIELDS = [
  'user_id',
  'src_ip',
  'agent_id',
  'endpoint',
  'session_id',
  'judge_model',
  'model',
  'tool_name',
  'policy_violated',
  'direction',
  'user_department',
] as const;
export type EntityField = (typeof ENTITY_FIELDS)[number];
const EntityFieldSchema = literals(ENTITY_FIELDS);
const GroupBy = Type.Array(EntityFieldSchema, { minItems: 1, maxItems: 4, uniqueItems: true });

/**
 * An event predicate. Every form compiles to an Elasticsearch query (a necessary condition) and to an
 * exact TypeScript check, and is exported to SPL, KQL and Sigma.
 */
export const PredicateSchema = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Object({ all: Type.Array(Self, { minItems: 1 }) }, { additionalProperties: false }),
      Type.Object({ any: Type.Array(Self, { minItems: 1 }) }, { additionalProperties: false }),
      Type.Object({ not: Self }, { additionalProperties: false }),
      Type.Object({ field: FieldPath, eq: Scalar }, { additionalProperties: false }),
      Type.Object({ field: FieldPath, neq: Scalar }, { additionalProperties: false }),
      Type.Object({ field: FieldPath, in: Type.Array(Scalar, { minItems: 1 }) }, { additionalProperties: false }),
      Type.Object({ field: FieldPath, not_in: Type.Array(Scalar) }, { additionalProperties: false }),
      Type.Object({ field: FieldPath, gt: Type.Number() }, { additionalProperties: false }),
      Type.Object({ field: FieldPath, gte: Type.Number() }, { additionalProperties: false }),
      Type.Object({ field: FieldPath, lt: Type.Number() }, { additionalProperties: false }),
      Type.Object({ field: FieldPath, lte: Type.Number() }, { additionalProperties: false }),
      Type.Object({ field: FieldPath, exists: Type.Boolean() }, { additionalProperties: false }),
      Type.Object(
        { field: FieldPath, contains_any: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }) },
        { additionalProperties: false, description: 'text contains one of the phrases (case-insensitive, whole words)' },
      ),
      Type.Object({ field: FieldPath, in_cidr: Type.Array(Type.String()) }, { additionalProperties: false }),
      Type.Object(
        { field: FieldPath, email_domain_not_in: Type.Array(Type.String({ minLength: 1 })) },
        { additionalProperties: false, description: 'some e-mail address in the (object) field is outside these domains' },
      ),
      Type.Object(
        {
          field: FieldPath,
          not_in_list_of: Type.Object(
            { key_field: FieldPath, lists: Type.Record(Type.String(), Type.Array(Type.String())) },
            { additionalProperties: false },
          ),
        },
        { additionalProperties: false, description: 'value is not on the list configured for the event’s key_field value (keys without a list pass)' },
      ),
      Type.Object(
        { outside_business_hours: Type.Literal(true) },
        { additionalProperties: false, description: 'event time falls outside the configured business hours' },
      ),
    ]),
  { $id: 'Predicate' },
);
export type Predicate = Static<typeof PredicateSchema>;

export const ESCALATION_ACTIONS = [
  'block_user',
  'disable_feature_for_user',
  'halt_agent',
  'log_full_request',
  'rate_limit_user',
  'flag_for_human_review',
] as const;
export type EscalationAction = (typeof ESCALATION_ACTIONS)[number];

const Escalation = Type.Object(
  {
    action: literals(ESCALATION_ACTIONS),
    min_severity: Type.Optional(SeveritySchema),
    trigger: Type.String({ minLength: 1, description: 'the seed’s wording of the automated trigger' }),
    source: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

const Tags = Type.Object(
  {
    atlas: Type.Array(Type.String({ pattern: '^AML\\.T[0-9]{4}(\\.[0-9]{3})?$' })),
    owasp_llm: Type.Array(Type.String({ pattern: '^LLM(0[1-9]|10):2025$' })),
    owasp_agentic: Type.Array(Type.String({ pattern: '^ASI(0[1-9]|10)$' })),
    controls: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

const common = {
  id: Type.String({ pattern: '^[a-z][a-z0-9_]{2,63}$' }),
  title: Type.String({ minLength: 5 }),
  description: Type.String({ minLength: 10 }),
  source: Type.String({ pattern: '^seed 00[0-4]' }),
  enabled: Type.Boolean({ default: true }),
  severity: SeveritySchema,
  severity_ladder: Type.Optional(
    Type.Array(Type.Object({ above: Type.Number(), severity: SeveritySchema }, { additionalProperties: false }), { minItems: 1 }),
  ),
  window: Duration,
  tags: Tags,
  response: Type.String({ minLength: 10 }),
  escalation: Type.Optional(Type.Array(Escalation, { minItems: 1 })),
};

const Signal = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
    where: PredicateSchema,
    group_by: GroupBy,
    window: Type.Optional(Duration),
    distinct: Type.Optional(FieldPath),
    operator: Type.Union([Type.Literal('gt'), Type.Literal('gte')]),
    threshold: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const ThresholdRuleSchema = Type.Object(
  { ...common, type: Type.Literal('threshold'), signals: Type.Array(Signal, { minItems: 1 }) },
  { additionalProperties: false },
);

export const SequenceRuleSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('sequence'),
    group_by: GroupBy,
    first: Type.Object({ name: Type.String(), where: PredicateSchema }, { additionalProperties: false }),
    then: Type.Object(
      { name: Type.String(), where: PredicateSchema, differs_from_first: Type.Optional(Type.Array(FieldPath)) },
      { additionalProperties: false },
    ),
    allow_same_event: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

export const NewTermsRuleSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('new_terms'),
    field: EntityFieldSchema,
    where: PredicateSchema,
    history: Duration,
    approved: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);

export const BaselineDeviationRuleSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('baseline_deviation'),
    measure: Type.Union([
      Type.Object(
        {
          kind: Type.Literal('event_tokens_out'),
          baseline_by: EntityFieldSchema,
          factor: Type.Number({ exclusiveMinimum: 0 }),
          max_out_in_ratio: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          baseline_window: Duration,
          min_baseline_events: Type.Integer({ minimum: 1 }),
        },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          kind: Type.Literal('session_cost'),
          factor: Type.Number({ exclusiveMinimum: 0 }),
          baseline_window: Duration,
          min_baseline_sessions: Type.Integer({ minimum: 1 }),
          min_session_cost_usd: Type.Number({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ]),
    where: PredicateSchema,
    group_by: GroupBy,
  },
  { additionalProperties: false },
);

export const DriftRuleSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('drift'),
    field: FieldPath,
    by: EntityFieldSchema,
    where: PredicateSchema,
    trailing_days: Type.Integer({ minimum: 1, maximum: 90 }),
    min_trailing_days: Type.Integer({ minimum: 1 }),
    min_events_per_day: Type.Integer({ minimum: 1 }),
    max_abs_diff: Type.Number({ exclusiveMinimum: 0 }),
    /** significance level of each test (mean shift, distribution shift), per entity and day */
    alpha: Type.Number({ exclusiveMinimum: 0, maximum: 0.5 }),
    /** PSI a distribution shift must reach */
    min_psi: Type.Number({ minimum: 0 }),
    /** human reviews a day needs before agreement can flag, and the agreement below which it does */
    min_reviewed: Type.Integer({ minimum: 1 }),
    min_agreement: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);

const Detector = Type.Union([
  Type.Object({ kind: Type.Literal('keywords'), name: Type.String(), terms: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('luhn_card'), name: Type.String() }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('regex'),
      name: Type.String(),
      pattern: Type.String({ minLength: 1 }),
      /** lower-case token prefixes or phrases that any match must contain; they narrow the Elasticsearch candidate query */
      hints: Type.Array(
        Type.Union([
          Type.Object({ prefix: Type.String({ minLength: 2 }) }, { additionalProperties: false }),
          Type.Object({ phrase: Type.String({ minLength: 2 }) }, { additionalProperties: false }),
        ]),
        { minItems: 1 },
      ),
    },
    { additionalProperties: false },
  ),
]);
export type Detector = Static<typeof Detector>;

export const ContentMatchRuleSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('content_match'),
    where: PredicateSchema,
    fields: Type.Array(Type.Union([Type.Literal('input_text'), Type.Literal('output_text')]), { minItems: 1 }),
    detectors: Type.Array(Detector, { minItems: 1 }),
    group_by: GroupBy,
  },
  { additionalProperties: false },
);

/** UEBA: per-entity deviations from baselines, scored by ueba/anomaly-scoring.ts (docs/ueba.md). */
export const UebaRuleSchema = Type.Object(
  { ...common, type: Type.Literal('ueba'), anomaly: UebaAnomalySchema, where: PredicateSchema, entity_kinds: UebaEntityKindsSchema, params: UebaParamsSchema },
  { additionalProperties: false },
);

/** Every rule type. A new type (e.g. the UEBA `baseline_deviation` variants) adds a schema here and an evaluator. */
export const RuleSchema = Type.Union([
  ThresholdRuleSchema,
  SequenceRuleSchema,
  NewTermsRuleSchema,
  BaselineDeviationRuleSchema,
  DriftRuleSchema,
  ContentMatchRuleSchema,
  UebaRuleSchema,
]);

export type ThresholdRule = Static<typeof ThresholdRuleSchema>;
export type ThresholdSignal = ThresholdRule['signals'][number];
export type SequenceRule = Static<typeof SequenceRuleSchema>;
export type NewTermsRule = Static<typeof NewTermsRuleSchema>;
export type BaselineDeviationRule = Static<typeof BaselineDeviationRuleSchema>;
export type DriftRule = Static<typeof DriftRuleSchema>;
export type ContentMatchRule = Static<typeof ContentMatchRuleSchema>;
export type UebaRule = Static<typeof UebaRuleSchema>;
export type Rule = Static<typeof RuleSchema>;
export type RuleType = Rule['type'];
export const RULE_TYPES: RuleType[] = ['threshold', 'sequence', 'new_terms', 'baseline_deviation', 'drift', 'content_match', 'ueba'];

export function schemaOfType(type: string): TSchema | undefined {
  return {
    threshold: ThresholdRuleSchema,
    sequence: SequenceRuleSchema,
    new_terms: NewTermsRuleSchema,
    baseline_deviation: BaselineDeviationRuleSchema,
    drift: DriftRuleSchema,
    content_match: ContentMatchRuleSchema,
    ueba: UebaRuleSchema,
  }[type];
}
