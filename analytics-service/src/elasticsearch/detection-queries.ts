/**
 * Rule predicates as Elasticsearch queries. Each translation is a necessary condition of the predicate
 * (every event that satisfies the predicate matches the query); `exact` says whether it is also sufficient.
 * Inexact parts (text phrases, e-mail domains) are re-checked in TypeScript on the fetched candidates.
 * Values from rules and config reach Elasticsearch only as term, range and phrase values.
 */
import type { estypes } from '@elastic/elasticsearch';
import type { DetectionConfig } from '../detection/config-schema.js';
import { businessIntervals } from '../detection/business-hours.js';
import type { Predicate } from '../detection/rule-schema.js';

type Query = estypes.QueryDslQueryContainer;

export interface CompiledQuery {
  query: Query;
  exact: boolean;
}

export interface PredicateQueryContext {
  businessHours: DetectionConfig['business_hours'];
  timezone: string;
  /** event-time span the query will run over; business-hours ranges are generated for it */
  span: { from: number; to: number };
}

const MATCH_ALL: Query = { match_all: {} };

export function predicateQuery(predicate: Predicate, context: PredicateQueryContext): CompiledQuery {
  if ('all' in predicate) {
    const parts = predicate.all.map((p) => predicateQuery(p, context));
    return { query: { bool: { filter: parts.map((p) => p.query) } }, exact: parts.every((p) => p.exact) };
  }
  if ('any' in predicate) {
    const parts = predicate.any.map((p) => predicateQuery(p, context));
    return { query: { bool: { should: parts.map((p) => p.query), minimum_should_match: 1 } }, exact: parts.every((p) => p.exact) };
  }
  if ('not' in predicate) {
    const inner = predicateQuery(predicate.not, context);
    return inner.exact ? { query: { bool: { must_not: [inner.query] } }, exact: true } : { query: MATCH_ALL, exact: false };
  }
  if ('outside_business_hours' in predicate) {
    const open = businessIntervals(context.span.from, context.span.to, context.businessHours, context.timezone);
    if (open.length === 0) return { query: MATCH_ALL, exact: true };
    return {
      query: {
        bool: {
          must_not: open.map(([from, to]) => ({
            range: { '@timestamp': { gte: new Date(from).toISOString(), lt: new Date(to).toISOString(), format: 'strict_date_optional_time' } },
          })),
        },
      },
      exact: true,
    };
  }
  const field = predicate.field;
  if ('eq' in predicate) return { query: { term: { [field]: predicate.eq } }, exact: true };
  if ('neq' in predicate) return { query: { bool: { must_not: [{ term: { [field]: predicate.neq } }] } }, exact: true };
  if ('in' in predicate) return { query: { terms: { [field]: predicate.in } }, exact: true };
  if ('not_in' in predicate) {
    return { query: predicate.not_in.length ? { bool: { must_not: [{ terms: { [field]: predicate.not_in } }] } } : MATCH_ALL, exact: true };
  }
  if ('gt' in predicate) return { query: { range: { [field]: { gt: predicate.gt } } }, exact: true };
  if ('gte' in predicate) return { query: { range: { [field]: { gte: predicate.gte } } }, exact: true };
  if ('lt' in predicate) return { query: { range: { [field]: { lt: predicate.lt } } }, exact: true };
  if ('lte' in predicate) return { query: { range: { [field]: { lte: predicate.lte } } }, exact: true };
  if ('exists' in predicate) {
    return { query: predicate.exists ? { exists: { field } } : { bool: { must_not: [{ exists: { field } }] } }, exact: true };
  }
  if ('contains_any' in predicate) {
    return {
      query: { bool: { should: predicate.contains_any.map((phrase) => ({ match_phrase: { [field]: phrase } })), minimum_should_match: 1 } },
      exact: false,
    };
  }
  if ('in_cidr' in predicate) {
    if (predicate.in_cidr.length === 0) return { query: { bool: { must_not: [MATCH_ALL] } }, exact: true };
    return { query: { bool: { should: predicate.in_cidr.map((cidr) => ({ term: { [field]: cidr } })), minimum_should_match: 1 } }, exact: true };
  }
  if ('email_domain_not_in' in predicate) return { query: { exists: { field } }, exact: false };
  if ('not_in_list_of' in predicate) {
    const { key_field, lists } = predicate.not_in_list_of;
    const keys = Object.keys(lists);
    if (keys.length === 0) return { query: { bool: { must_not: [MATCH_ALL] } }, exact: true };
    return {
      query: {
        bool: {
          should: keys.map((key) => ({
            bool: {
              filter: [{ term: { [key_field]: key } }, { exists: { field } }],
              ...(lists[key]!.length ? { must_not: [{ terms: { [field]: lists[key]! } }] } : {}),
            },
          })),
          minimum_should_match: 1,
        },
      },
      // exact for single-valued fields, which the contract's keyword fields are
      exact: true,
    };
  }
  throw new Error(`unsupported predicate ${JSON.stringify(predicate)}`);
}

export function timeRange(from: number, to: number, inclusiveTo = false): Query {
  return {
    range: {
      '@timestamp': {
        gte: new Date(from).toISOString(),
        [inclusiveTo ? 'lte' : 'lt']: new Date(to).toISOString(),
        format: 'strict_date_optional_time',
      },
    },
  };
}

/** Restricts a query to the given entity keys (tuples of group-by values). */
export function keysQuery(fields: readonly string[], keys: ReadonlyArray<readonly string[]>): Query {
  if (fields.length === 1) return { terms: { [fields[0]!]: [...new Set(keys.map((k) => k[0]!))] } };
  return {
    bool: {
      should: keys.map((key) => ({ bool: { filter: fields.map((f, i) => ({ term: { [f]: key[i]! } })) } })),
      minimum_should_match: 1,
    },
  };
}
