/**
 * The `ai_security` event contract: the one source of truth.
 *
 * Validation (Ajv), the TypeScript types and the Elasticsearch mapping are all derived from this file.
 * Every property carries an `es` annotation naming its Elasticsearch field type; `es-mapping.ts`
 * turns those into the index template and a test checks that no property is left unmapped.
 */
import { Type, type Static, type TSchema, type SchemaOptions } from '@sinclair/typebox';

export type EsFieldType =
  | 'keyword'
  | 'long'
  | 'integer'
  | 'double'
  | 'date'
  | 'ip'
  | 'boolean'
  | 'flattened'
  | 'text'
  | 'object';

/** Categories of the contract (DESIGN.md "Event contract"). `request` is ordinary model traffic. */
export const CATEGORIES = [
  'request',
  'guardrail_block',
  'judge_flag',
  'prompt_attack',
  'data_exfiltration',
  'agent_boundary_violation',
  'tool_invocation',
  'credential_detected',
  'model_drift',
  'anomaly',
  'auth_failure',
  'rate_limit',
  'model_filter_block',
  'supply_chain',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Severity ladder, lowest first (seed 004 "Severity Mapping", plus `info`). */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const DECISIONS = ['allow', 'block', 'redact', 'escalate'] as const;
export const GUARDRAIL_RESULTS = ['pass', 'block', 'redact'] as const;
export const DIRECTIONS = ['input', 'output'] as const;

/** Longest value accepted for an identifier or other keyword field (ES `ignore_above` matches it). */
export const MAX_KEYWORD_LENGTH = 1024;
/** Longest accepted prompt or response text, in characters. */
export const MAX_TEXT_LENGTH = 1_000_000;

const es = (type: EsFieldType, options: SchemaOptions = {}): SchemaOptions => ({ ...options, es: type });

const keyword = (description: string, options: SchemaOptions = {}) =>
  Type.String(es('keyword', { minLength: 1, maxLength: MAX_KEYWORD_LENGTH, description, ...options }));
const text = (description: string) => Type.String(es('text', { maxLength: MAX_TEXT_LENGTH, description }));
/** A `long` holds less than 2^63 (mapping-limits.ts). */
export const LONG_LIMIT = 2 ** 63;
const count = (description: string) => Type.Integer(es('long', { minimum: 0, exclusiveMaximum: LONG_LIMIT, description }));
const amount = (description: string) => Type.Number(es('double', { minimum: 0, description }));
const score = (description: string) => Type.Number(es('double', { minimum: 0, maximum: 1, description }));
/** A string enum as plain JSON Schema `enum`, so validation errors list the allowed values. */
const oneOf = <T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...es('keyword', { description }) });

export const FindingSchema = Type.Object(
  {
    description: Type.Optional(text('Human-readable description of the finding.')),
    confidence: Type.Optional(score('Producer confidence, 0–1.')),
    evidence: Type.Optional(text('Relevant excerpt or indicator.')),
    attack_vector: Type.Optional(keyword('direct | indirect | multimodal | infrastructure (seed 002).')),
  },
  es('object', { additionalProperties: false, description: 'Seed 002 finding block.' }),
);

/** Properties of a stored, normalized event. All but `timestamp` and `category` are optional. */
export const eventProperties = {
  // when and what
  timestamp: Type.String(
    es('date', { format: 'date-time', description: 'When the event happened (ISO 8601 with timezone).' }),
  ),
  category: oneOf(CATEGORIES, 'Event category (aliases from seed 002, seed 000 and OTel are normalized).'),
  source_category: Type.Optional(keyword('The category as the producer sent it, when it was an alias.')),
  severity: Type.Optional(oneOf(SEVERITIES, 'Producer-assigned severity.')),
  decision: Type.Optional(oneOf(DECISIONS, 'What the gateway or guardrail did.')),

  // identity & correlation
  event_id: Type.Optional(keyword('Idempotency key; a content hash is assigned when absent.', { maxLength: 256 })),
  request_id: Type.Optional(keyword('Request correlation id, propagated gateway → app → model → judge.')),
  session_id: Type.Optional(keyword('Conversation or session id.')),
  trace_id: Type.Optional(keyword('Distributed trace id.')),
  tenant_id: Type.Optional(keyword('Tenant.')),
  ai_system_id: Type.Optional(keyword('AI system identifier.')),
  gateway_id: Type.Optional(keyword('Gateway that observed the event.')),

  // who
  user_id: Type.Optional(keyword('End user (hashed if PII-sensitive).')),
  user_department: Type.Optional(keyword('Department of the user (seed 003 cross-department rule).')),
  user_is_admin: Type.Optional(Type.Boolean(es('boolean', { description: 'User holds an admin role.' }))),
  src_ip: Type.Optional(
    Type.String(es('ip', { format: 'ip', maxLength: 64, description: 'Client IP (IPv4 or IPv6).' })),
  ),
  src_country: Type.Optional(keyword('Client country (ISO 3166 code or name).', { maxLength: 64 })),
  agent_id: Type.Optional(keyword('AI agent acting on behalf of the user.')),

  // what
  endpoint: Type.Optional(keyword('Application endpoint, e.g. /api/v1/chat.')),
  provider: Type.Optional(keyword('Model provider.')),
  model: Type.Optional(keyword('Model name.')),
  model_version: Type.Optional(keyword('Model version.')),
  risk_tier: Type.Optional(Type.Integer(es('integer', { minimum: 1, maximum: 4, description: 'Risk tier 1–4.' }))),
  direction: Type.Optional(oneOf(DIRECTIONS, 'Whether the content is model input or output.')),

  // usage
  tokens_in: Type.Optional(count('Input tokens.')),
  tokens_out: Type.Optional(count('Output tokens.')),
  latency_ms: Type.Optional(amount('Latency in milliseconds.')),
  cost_usd: Type.Optional(amount('Cost of this call in USD.')),
  conversation_turn: Type.Optional(count('Turn number within the conversation.')),
  session_cost_usd: Type.Optional(amount('Cumulative session cost in USD.')),
  tool_calls_in_session: Type.Optional(count('Tool calls so far in the session.')),

  // guardrails & judge
  guardrail_result: Type.Optional(oneOf(GUARDRAIL_RESULTS, 'Guardrail outcome.')),
  policy_violated: Type.Optional(keyword('Policy the event violated.')),
  policies_triggered: Type.Optional(
    Type.Array(keyword('Policy name.'), es('keyword', { maxItems: 256, description: 'Policies triggered.' })),
  ),
  judge_model: Type.Optional(keyword('Model acting as LLM judge.')),
  judge_score: Type.Optional(score('Judge score, 0–1.')),
  judge_verdict: Type.Optional(keyword('Judge verdict.')),
  human_verdict: Type.Optional(keyword('Human reviewer verdict, for judge agreement.')),

  // agents & tools
  tool_name: Type.Optional(keyword('Tool the agent called or attempted.')),
  tool_params: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), es('flattened', { description: 'Tool call parameters.' })),
  ),
  tool_allowed: Type.Optional(Type.Boolean(es('boolean', { description: 'Tool call was authorized.' }))),
  tool_outcome: Type.Optional(keyword('success | error | timeout | blocked.')),

  // content
  input_text: Type.Optional(text('Model input (subject to the content storage mode).')),
  output_text: Type.Optional(text('Model output (subject to the content storage mode).')),
  prompt_hash: Type.Optional(keyword('Hash of the prompt, for privacy-preserving correlation.')),
  credential_type: Type.Optional(keyword('Type of credential detected.')),
  data_classification: Type.Optional(keyword('Data classification (PII, Confidential, Public…).')),
  finding: Type.Optional(FindingSchema),

  // anything else the producer sent, kept rather than dropped
  extra: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), es('flattened', { description: 'Unrecognized producer fields.' })),
  ),
};

export const AiSecurityEventSchema = Type.Object(eventProperties, {
  $id: 'AiSecurityEvent',
  additionalProperties: false,
  description: 'A normalized ai_security event.',
});

export type AiSecurityEvent = Static<typeof AiSecurityEventSchema>;
export type EventField = keyof typeof eventProperties;
export const EVENT_FIELDS = Object.keys(eventProperties) as EventField[];

/** The Elasticsearch field type a schema node carries. */
export function esTypeOf(schema: TSchema): EsFieldType | undefined {
  return (schema as { es?: EsFieldType }).es;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}
