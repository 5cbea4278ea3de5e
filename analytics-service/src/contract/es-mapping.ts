/**
 * The Elasticsearch mapping of events, derived from the contract schema's `es` annotations.
 * `timestamp` is stored as ECS `@timestamp` (data streams require it); `event.ingested` is stamped on write.
 */
import type { estypes } from '../elasticsearch/dsl.js';
import type { TSchema } from '@sinclair/typebox';
import { MAX_KEYWORD_LENGTH, esTypeOf, eventProperties } from './event-schema.js';

type Property = estypes.MappingProperty;

function mappingOf(name: string, schema: TSchema): Property {
  const type = esTypeOf(schema);
  switch (type) {
    case 'keyword':
      return { type: 'keyword', ignore_above: MAX_KEYWORD_LENGTH };
    case 'text':
      // full text for search, plus a keyword sub-field for exact matches on short values
      return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
    case 'object': {
      const children = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
      return {
        type: 'object',
        properties: Object.fromEntries(Object.entries(children).map(([k, v]) => [k, mappingOf(`${name}.${k}`, v)])),
      };
    }
    case 'long':
    case 'integer':
    case 'double':
    case 'date':
    case 'ip':
    case 'boolean':
    case 'flattened':
      return { type };
    default:
      throw new Error(`contract field ${name} has no Elasticsearch type annotation`);
  }
}

export function eventMappingProperties(): Record<string, Property> {
  const properties: Record<string, Property> = {};
  for (const [name, schema] of Object.entries(eventProperties)) {
    properties[name === 'timestamp' ? '@timestamp' : name] = mappingOf(name, schema as TSchema);
  }
  properties.event = { type: 'object', properties: { ingested: { type: 'date' } } };
  return properties;
}
