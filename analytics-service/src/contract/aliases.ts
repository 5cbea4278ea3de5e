/**
 * Alias normalization: events from other producers are mapped onto the contract, not rejected.
 *
 * - seed 002's categories (`prompt_injection`, `output_violation`, `tool_anomaly`, `behavioral_drift`) and
 *   its `context` block;
 * - seed 000's field names (`user`, `cost`, …) and seed 004's SOC severity words;
 * - OpenTelemetry GenAI / ECS attributes, as flat dotted keys or nested objects.
 *
 * Fields the contract does not know are kept under `extra` (nothing the producer sent is dropped),
 * except `event_type: "ai_security"`, the seeds' constant discriminator.
 */
import { CATEGORIES, DECISIONS, DIRECTIONS, EVENT_FIELDS, GUARDRAIL_RESULTS, SEVERITIES, type Category } from './event-schema.js';

/** Producer field name → contract field. Dotted names also match nested objects. */
export const FIELD_ALIASES: Readonly<Record<string, string>> = {
  '@timestamp': 'timestamp',
  // seed 000 (Keeptrusts) field names
  user: 'user_id',
  cost: 'cost_usd',
  // seed 001 agent-boundary SPL names the attempted tool `tool_attempted`
  tool_attempted: 'tool_name',
  // seed 002 `context` block
  'context.conversation_turn': 'conversation_turn',
  'context.tool_calls_in_session': 'tool_calls_in_session',
  'context.session_cost_usd': 'session_cost_usd',
  // OpenTelemetry GenAI semantic conventions
  'gen_ai.request.model': 'model',
  'gen_ai.response.model': 'model_version',
  'gen_ai.usage.input_tokens': 'tokens_in',
  'gen_ai.usage.prompt_tokens': 'tokens_in',
  'gen_ai.usage.output_tokens': 'tokens_out',
  'gen_ai.usage.completion_tokens': 'tokens_out',
  'gen_ai.provider.name': 'provider',
  'gen_ai.system': 'provider',
  'gen_ai.conversation.id': 'session_id',
  'gen_ai.agent.id': 'agent_id',
  'gen_ai.tool.name': 'tool_name',
  // the GenAI evaluation event (gen_ai.evaluation.result) is an LLM judge's verdict
  'gen_ai.evaluation.score.value': 'judge_score',
  'gen_ai.evaluation.score.label': 'judge_verdict',
  'user.id': 'user_id',
  // OpenTelemetry resource and general attributes (OTLP ingest sends resource attributes with each record)
  'service.name': 'ai_system_id',
  'source.address': 'src_ip',
  // ECS names (seed 000's SIEM mapping, read backwards)
  'user.name': 'user_id',
  'source.ip': 'src_ip',
  'client.address': 'src_ip',
  'source.geo.country_iso_code': 'src_country',
  'trace.id': 'trace_id',
  'session.id': 'session_id',
};

/** Producer category → contract category. Keys are compared lower-cased with `-`/spaces as `_`. */
export const CATEGORY_ALIASES: Readonly<Record<string, Category>> = {
  // seed 002's schema
  prompt_injection: 'prompt_attack',
  output_violation: 'judge_flag',
  tool_anomaly: 'agent_boundary_violation',
  behavioral_drift: 'model_drift',
  // seed 002's rule outcomes and seed 000's IoC names
  jailbreak: 'prompt_attack',
  jailbreak_attempt: 'prompt_attack',
  multi_turn_attack: 'prompt_attack',
  unauthorized_tool_use: 'agent_boundary_violation',
  resource_abuse: 'anomaly',
  credential_exposure: 'credential_detected',
  model_filter: 'model_filter_block',
  auth_failed: 'auth_failure',
  rate_limited: 'rate_limit',
};

const ENUM_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // seed 004 "Severity Mapping": Low = Informational, Medium = Warning, High = Alert, Critical = Incident
  severity: { informational: 'low', warning: 'medium', warn: 'medium', alert: 'high', incident: 'critical' },
  decision: {
    allowed: 'allow',
    pass: 'allow',
    passed: 'allow',
    blocked: 'block',
    deny: 'block',
    denied: 'block',
    redacted: 'redact',
    escalated: 'escalate',
  },
  guardrail_result: { passed: 'pass', allow: 'pass', allowed: 'pass', blocked: 'block', redacted: 'redact' },
  direction: { request: 'input', prompt: 'input', response: 'output', completion: 'output' },
};

const CONTRACT_FIELDS = new Set<string>(EVENT_FIELDS);
/** Values already in canonical form skip the alias lookup (the common case on the ingest hot path). */
const ENUM_VALUES = new Set<string>([...SEVERITIES, ...DECISIONS, ...GUARDRAIL_RESULTS, ...DIRECTIONS]);
const CATEGORY_SET = new Set<string>(CATEGORIES);
/** Object keys whose children are looked up as dotted aliases rather than kept whole. */
const ALIAS_PREFIXES = new Set(
  Object.keys(FIELD_ALIASES)
    .filter((k) => k.includes('.'))
    .map((k) => k.split('.')[0]!),
);

export type RawObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own property; `__proto__` needs defineProperty, which plain assignment would treat as the prototype. */
function define(target: RawObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function canonicalToken(value: string): string {
  return value.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/**
 * Maps a producer's event onto contract field names. Does not validate: the result goes to the validator,
 * which reports what is still wrong by contract field name.
 */
export function normalizeAliases(raw: RawObject): RawObject {
  const out: RawObject = {};
  const extra: RawObject = {};
  const aliased: Array<[string, unknown]> = [];

  const visit = (key: string, value: unknown): void => {
    if (CONTRACT_FIELDS.has(key) && key !== 'extra') {
      out[key] = value;
    } else if (Object.hasOwn(FIELD_ALIASES, key)) {
      aliased.push([FIELD_ALIASES[key]!, value]);
    } else if (isPlainObject(value) && (ALIAS_PREFIXES.has(key.split('.')[0]!) || key === 'context')) {
      for (const [child, childValue] of Object.entries(value)) visit(`${key}.${child}`, childValue);
    } else if (key === 'extra' && isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) define(extra, k, v);
    } else if (key === 'event_type' && value === 'ai_security') {
      // the seeds' constant discriminator carries no information
    } else {
      define(extra, key, value);
    }
  };
  for (const key in raw) if (Object.hasOwn(raw, key)) visit(key, raw[key]);

  // an explicit contract field wins over an alias of it
  for (const [field, value] of aliased) if (!Object.hasOwn(out, field)) define(out, field, value);

  if (typeof out.category === 'string' && !CATEGORY_SET.has(out.category)) {
    const token = canonicalToken(out.category);
    const category = CATEGORY_SET.has(token) ? token : CATEGORY_ALIASES[token];
    if (category !== undefined) {
      if (category !== out.category) out.source_category = out.category;
      out.category = category;
    }
  }
  for (const field in ENUM_ALIASES) {
    const aliases = ENUM_ALIASES[field]!;
    const value = out[field];
    if (typeof value === 'string' && !ENUM_VALUES.has(value)) {
      const token = canonicalToken(value);
      out[field] = aliases[token] ?? token;
    }
  }
  if (typeof out.policies_triggered === 'string') {
    out.policies_triggered = out.policies_triggered
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
  }
  if (Object.keys(extra).length > 0) out.extra = extra;
  return out;
}
