/**
 * The Elasticsearch query DSL types, for the domain modules that compose queries and aggregations (rule types,
 * query kinds, baseline aggregations). Only this folder imports the client package; the requests run here too.
 */
export type { estypes } from '@elastic/elasticsearch';
