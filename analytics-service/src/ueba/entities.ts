/**
 * The entities UEBA profiles: who or what an event is attributed to, by its contract field.
 * URL segments are plural (`/v1/baselines/users/alice`); stored documents use the singular kind.
 */
import { createHash } from 'node:crypto';
import type { EntityKind } from '../contract/entities.js';

export { ENTITY_FIELD, ENTITY_KINDS, type EntityKind } from '../contract/entities.js';

export const ENTITY_COLLECTIONS = ['users', 'models', 'endpoints', 'agents'] as const;
export type EntityCollection = (typeof ENTITY_COLLECTIONS)[number];

export const KIND_OF_COLLECTION: Record<EntityCollection, EntityKind> = {
  users: 'user',
  models: 'model',
  endpoints: 'endpoint',
  agents: 'agent',
};

/** Entity kinds that accumulate a risk score (people and agents act; models and endpoints are acted on). */
export const RISK_KINDS: readonly EntityKind[] = ['user', 'agent'];

/** Elasticsearch document ids are at most 512 bytes; longer entity ids are hashed. */
const MAX_ID_BYTES = 512;

/** Stable id of an entity's baseline document: `<kind>:<entity>`, e.g. `user:alice`, `endpoint:/api/v1/chat`. */
export function baselineDocumentId(kind: EntityKind, entityId: string): string {
  const id = `${kind}:${entityId}`;
  if (Buffer.byteLength(id) <= MAX_ID_BYTES) return id;
  return `${kind}:sha256:${createHash('sha256').update(entityId).digest('hex')}`;
}
