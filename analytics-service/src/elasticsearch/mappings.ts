/**
 * Mappings of the indices the service writes besides events. Each later feature extends its own
 * mapping here and bumps SCHEMA_VERSION, which makes bootstrap re-apply templates and add new fields.
 */
import type { estypes } from '@elastic/elasticsearch';

export const SCHEMA_VERSION = 1;

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
  },
};

export const baselineMapping: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    entity_kind: keyword,
    entity_id: keyword,
    risk_score: double,
    first_seen: date,
    last_seen: date,
    event_count: { type: 'long' },
    profile: { type: 'object', enabled: false },
  },
};

export const metricMapping: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    metric: keyword,
    judge_model: keyword,
    policy: keyword,
    value: double,
    flagged: { type: 'boolean' },
    values: { type: 'object', enabled: false },
  },
};

export const stateMapping: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: { kind: keyword, updated_at: date, owner: keyword, expires_at: date, value: { type: 'object', enabled: false } },
};

export const exportMapping: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: { '@timestamp': date, id: keyword, status: keyword, description: { type: 'text' }, created_by: keyword },
};
