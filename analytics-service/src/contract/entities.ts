/**
 * The entities events are attributed to, and the contract field that names each: one declaration for UEBA
 * (baselines, risk), the query API (entity kinds) and the Grafana datasource (which imports the query types).
 */
export const ENTITY_KINDS = ['user', 'model', 'endpoint', 'agent'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export const ENTITY_FIELD = {
  user: 'user_id',
  model: 'model',
  endpoint: 'endpoint',
  agent: 'agent_id',
} as const satisfies Record<EntityKind, string>;
export type EntityField = (typeof ENTITY_FIELD)[EntityKind];
