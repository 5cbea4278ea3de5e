/**
 * Mappings of the indices the service writes besides events. Each later feature extends its own
 * mapping here and bumps SCHEMA_VERSION, which makes bootstrap re-apply templates and add new fields.
 */
import type { estypes } from '@elastic/elasticsearch';

export const SCHEMA_VERSION = 6;

const keyword: estypes.MappingProperty = { type: 'keyword', ignore_above: 1024 };
const date: estypes.MappingProperty = { type: 'date' };
const double: estypes.MappingProperty = { type: 'double' };

export const alertMapping: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    id: keyword,
    rule_id: keyword,
    rule_type: keyword,
    title: { type: 'text', fields: { keyword } },
    severity: keyword,
    severity_rank: { type: 'integer' },
    window_start: date,
    window_end: date,
    user_id: keyword,
    src_ip: { type: 'ip' },
    agent_id: keyword,
    endpoint: keyword,
    session_id: keyword,
    judge_model: keyword,
    model: keyword,
    tool_name: keyword,
    policy_violated: keyword,
    direction: keyword,
    user_department: keyword,
    signal: keyword,
    entity_key: keyword,
    entity_fields: keyword,
    escalation_triggers: { type: 'text' },
    observed: double,
    threshold: double,
    event_count: { type: 'long' },
    event_ids: keyword,
    tags: keyword,
    response: { type: 'text' },
    status: keyword,
    resolution: keyword,
    escalated: { type: 'boolean' },
    recommended_action: keyword,
    risk_score: double,
    created_at: date,
    updated_at: date,
    explanation: { type: 'object', enabled: false },
    history: { type: 'object', enabled: false },
    // the notification outbox (detection/notifications.ts): records stored, pending ids and age indexed
    notifications: { type: 'object', enabled: false },
    notifications_pending: keyword,
    notifications_pending_since: date,
  },
};

const long: estypes.MappingProperty = { type: 'long' };

/** A Distribution (ueba/baseline-document.ts) with every statistic indexed, e.g. `tokens_out.p95`. */
const distribution: estypes.MappingProperty = {
  type: 'object',
  properties: { count: long, mean: double, sd: double, min: double, max: double, median: double, mad: double, p95: double, p99: double },
};

/** UEBA baselines, one document per entity (`<kind>:<entity>`); shape in ueba/baseline-document.ts, described in docs/ueba.md. */
export const baselineMapping: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    entity_kind: keyword,
    entity_id: keyword,
    window_start: date,
    window_end: date,
    time_zone: keyword,
    first_seen: date,
    last_seen: date,
    history_days: double,
    event_count: long,
    request_count: long,
    active_hours: long,
    active_days: long,
    session_count: long,
    department: keyword,
    peer_group: keyword,
    countries: keyword,
    models: keyword,
    endpoints: keyword,
    tools: keyword,
    requests_per_active_hour: distribution,
    hourly_cost_usd: distribution,
    hourly_tokens_out: distribution,
    tokens_in: distribution,
    tokens_out: distribution,
    cost_usd: distribution,
    session_cost_usd: distribution,
    volume_dispersion: double,
    risk_score: double,
    risk_level: keyword,
    risk_alert_count: long,
    risk_updated_at: date,
    profile: { type: 'object', enabled: false },
  },
};

/**
 * Daily judge-assurance and guardrail-effectiveness metrics (assurance/*), ids `judge_daily:<model>:<day>`,
 * `guardrail_daily:<day>`, `guardrail_policy_daily:<policy>:<day>`; described in docs/ueba.md.
 */
export const metricMapping: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    metric: keyword,
    judge_model: keyword,
    policy: keyword,
    value: double,
    flagged: { type: 'boolean' },
    flags: keyword,
    computed_at: date,
    // judge_daily
    count: long,
    mean_score: double,
    trailing_mean: double,
    trailing_days: long,
    abs_diff: double,
    psi: double,
    mean_shift_p: double,
    distribution_p: double,
    reviewed: long,
    agreed: long,
    agreement: double,
    // guardrail_daily, guardrail_policy_daily
    guardrail_caught: long,
    judge_caught: long,
    total: long,
    guardrail_pct: double,
    judge_pct: double,
    values: { type: 'object', enabled: false },
  },
};

export const stateMapping: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: { kind: keyword, updated_at: date, owner: keyword, expires_at: date, value: { type: 'object', enabled: false } },
};

/** Forensic export manifests (export/manifest.ts), one document per export; the whole manifest is in _source. */
export const exportMapping: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    id: keyword,
    status: keyword,
    description: { type: 'text' },
    created_by: keyword,
    requested_by: keyword,
    created_at: date,
    completed_at: date,
    format: keyword,
    compression: keyword,
    event_count: long,
    sha256: keyword,
    query: { type: 'object', enabled: false },
    files: { type: 'object', enabled: false },
    progress: { type: 'object', enabled: false },
    error: { type: 'text' },
  },
};

/**
 * Hourly event counts (rollups/hourly-rollup.ts): one document per hour × dimension values, counted through
 * `_doc_count`, plus one `watermark` document (no @timestamp).
 */
export const rollupMapping: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    category: keyword,
    severity: keyword,
    decision: keyword,
    model: keyword,
    endpoint: keyword,
    risk_tier: { type: 'integer' },
    ingested_before: date,
    kind: keyword,
    updated_at: date,
  },
};

/** Daily per-user event counts: rows as the hourly ones, per day, with user_id as one more dimension (rollups/hourly-rollup.ts). */
export const userRollupMapping: estypes.MappingTypeMapping = {
  ...rollupMapping,
  properties: { ...rollupMapping.properties, user_id: keyword },
};
