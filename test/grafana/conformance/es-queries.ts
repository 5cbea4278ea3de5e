/**
 * Checks on the Elasticsearch queries and server-side expressions of the alert rules: what Grafana's
 * Elasticsearch backend builds from the query model, the frame it answers, and what the expressions accept.
 * A rule that fails these provisions fine and then never fires (or errors at every evaluation).
 */
import type { estypes } from '@elastic/elasticsearch';
import { eventMappingProperties } from '../../../analytics-service/src/contract/es-mapping.js';
import { indexNames } from '../../../analytics-service/src/elasticsearch/index-names.js';
import { alertMapping, baselineMapping, metricMapping } from '../../../analytics-service/src/elasticsearch/mappings.js';
import { allRules, esQueries, type Datasource, type Provisioned, type Rule } from '../provisioned.js';
import type { Check } from './check.js';

const NEVER_FIRES = 'the rule evaluates with an error or an empty result at every interval: it never pages';
/** Elasticsearch's default search.max_buckets */
const MAX_BUCKETS = 65_536;

/** The index mapping behind an index name of the stack's prefix. */
export function mappingOf(index: string): Record<string, estypes.MappingProperty> | undefined {
  const prefix = index.slice(0, index.lastIndexOf('-'));
  const names = indexNames(prefix);
  if (index === names.alerts) return alertMapping.properties;
  if (index === names.baselines) return baselineMapping.properties;
  if (index === names.metrics) return metricMapping.properties;
  if (index === names.events) return eventMappingProperties();
  return undefined;
}

export function fieldType(index: string, path: string): string | undefined {
  let props = mappingOf(index);
  let found: estypes.MappingProperty | undefined;
  for (const part of path.split('.')) {
    found = props?.[part];
    props = (found as { properties?: Record<string, estypes.MappingProperty> } | undefined)?.properties;
  }
  return found?.type;
}

export const datasourceOf = (p: Provisioned, uid: string): Datasource | undefined => p.datasources.datasources.find((d) => d.uid === uid);
const indexOf = (ds: Datasource | undefined) => String(ds?.jsonData?.index ?? '');

function eachEsQuery(p: Provisioned, fn: (rule: Rule, ds: Datasource | undefined, index: string, model: Rule['data'][number]['model']) => string[]): string[] {
  return allRules(p).flatMap(({ rule }) =>
    esQueries(rule).flatMap((q) => {
      const ds = datasourceOf(p, q.datasourceUid);
      return fn(rule, ds, indexOf(ds), q.model);
    }),
  );
}

export const ES_QUERY_CHECKS: Check[] = [
  {
    id: 'es-datasource',
    mirrors: 'pkg/services/ngalert/eval/eval.go (query datasource lookup by uid); pkg/tsdb/elasticsearch/elasticsearch.go newInstanceSettings',
    consequence: NEVER_FIRES,
    run: (p) =>
      eachEsQuery(p, (rule, ds, index, model) => {
        if (!ds) return [`rule ${rule.uid}: datasource is not provisioned`];
        const problems: string[] = [];
        if (ds.type !== 'elasticsearch') problems.push(`rule ${rule.uid}: datasource ${ds.uid} is ${ds.type}, not Grafana's Elasticsearch (only backend datasources can alert)`);
        if (model.datasource?.uid !== ds.uid) problems.push(`rule ${rule.uid}: model datasource ${model.datasource?.uid} differs from datasourceUid ${ds.uid}`);
        if (!index || !mappingOf(index)) problems.push(`rule ${rule.uid}: index ${index} is not an index the service writes`);
        return problems;
      }),
  },
  {
    id: 'es-time-field',
    mirrors: 'pkg/tsdb/elasticsearch/data_query.go processQuery (range filter on the datasource\'s configured TimeField); elasticsearch.go newInstanceSettings ("elasticsearch time field name is required")',
    consequence: 'the range filter reads another clock than the rule author meant (the model\'s timeField is not what the backend uses), or the datasource does not load',
    run: (p) =>
      eachEsQuery(p, (rule, ds, index, model) => {
        const timeField = ds?.jsonData?.timeField;
        if (typeof timeField !== 'string' || timeField === '') return [`rule ${rule.uid}: datasource ${ds?.uid} has no timeField`];
        const problems: string[] = [];
        if (model.timeField !== timeField) problems.push(`rule ${rule.uid}: model timeField ${model.timeField} is not the datasource's ${timeField}, which is the one Grafana filters on`);
        if (fieldType(index, timeField) !== 'date') problems.push(`rule ${rule.uid}: ${timeField} is not a date in ${index}`);
        return problems;
      }),
  },
  {
    id: 'es-metric-query',
    mirrors: 'pkg/tsdb/elasticsearch/data_query.go isQueryWithError, processTimeSeriesQuery',
    consequence: `"invalid query, missing metrics and aggregations": ${NEVER_FIRES}`,
    run: (p) =>
      eachEsQuery(p, (rule, _ds, index, model) => {
        const problems: string[] = [];
        if (!model.metrics?.length) problems.push(`rule ${rule.uid}: no metrics`);
        if (!model.bucketAggs?.length) problems.push(`rule ${rule.uid}: invalid query, missing metrics and aggregations`);
        for (const metric of model.metrics ?? [])
          if (metric.type !== 'count' && !['double', 'long', 'integer', 'float'].includes(fieldType(index, metric.field ?? '') ?? '')) problems.push(`rule ${rule.uid}: ${metric.type} of ${metric.field}, which is not numeric in ${index}`);
        return problems;
      }),
  },
  {
    id: 'es-terms-settings',
    mirrors: 'pkg/tsdb/elasticsearch/data_query.go addTermsAgg, stringToIntWithDefaultValue, BucketAgg.generateSettingsForDSL',
    consequence: 'a size that is not a positive integer silently becomes 500; a field that is not aggregatable makes Elasticsearch reject the search',
    run: (p) =>
      eachEsQuery(p, (rule, _ds, index, model) =>
        (model.bucketAggs ?? []).flatMap((agg) => {
          const problems: string[] = [];
          if (agg.type !== 'terms') return problems;
          const size = String(agg.settings?.size ?? '');
          if (!/^[1-9]\d*$/.test(size)) problems.push(`rule ${rule.uid}: terms on ${agg.field} has size "${size}", which Grafana turns into 500`);
          if (!['keyword', 'ip', 'long', 'integer', 'boolean', 'date'].includes(fieldType(index, agg.field ?? '') ?? '')) problems.push(`rule ${rule.uid}: terms on ${agg.field}, not aggregatable in ${index}`);
          return problems;
        }),
      ),
  },
  {
    id: 'es-number-table',
    mirrors: 'pkg/tsdb/elasticsearch/response_parser.go processAggregationDocs (terms-only → one table); pkg/expr/nodes.go isNumberTable, extractNumberSet',
    consequence: 'server-side expressions cannot turn the answer into one labelled number per group, so the rule errors or collapses groups',
    run: (p) =>
      eachEsQuery(p, (rule, _ds, index, model) => {
        const problems: string[] = [];
        const aggs = model.bucketAggs ?? [];
        if (aggs.some((a) => a.type !== 'terms')) problems.push(`rule ${rule.uid}: bucket aggregations other than terms (${aggs.map((a) => a.type).join(', ')}) make time series, not one number per group`);
        if ((model.metrics ?? []).length !== 1) problems.push(`rule ${rule.uid}: ${model.metrics?.length ?? 0} metrics make ${model.metrics?.length ?? 0} numeric columns; a number table has exactly one`);
        // string keys become string columns (labels); a numeric key would be a second numeric column
        for (const agg of aggs) if (!['keyword', 'ip'].includes(fieldType(index, agg.field ?? '') ?? '')) problems.push(`rule ${rule.uid}: terms on ${agg.field} has non-string keys, a second numeric column`);
        return problems;
      }),
  },
  {
    id: 'es-max-buckets',
    mirrors: "Elasticsearch search.max_buckets (default 65,536), on the nested terms pkg/tsdb/elasticsearch/data_query.go builds",
    consequence: 'Elasticsearch refuses the search (too_many_buckets_exception): no page at all',
    run: (p) =>
      eachEsQuery(p, (rule, _ds, _index, model) => {
        let level = 1;
        let total = 0;
        for (const agg of model.bucketAggs ?? []) {
          level *= Number(agg.settings?.size ?? 500) || 500;
          total += level;
        }
        return total > MAX_BUCKETS ? [`rule ${rule.uid}: up to ${total} buckets, over ${MAX_BUCKETS}`] : [];
      }),
  },
  {
    id: 'expressions',
    mirrors: 'pkg/expr/commands.go UnmarshalReduceCommand, ReduceCommand.Execute; pkg/expr/threshold.go UnmarshalThresholdCommand; pkg/expr/graph.go buildGraphEdges',
    consequence: 'the rule fails to evaluate at every interval (Error state)',
    run: (p) =>
      allRules(p).flatMap(({ rule }) => {
        const problems: string[] = [];
        const seen = new Set<string>();
        for (const q of rule.data) {
          if (q.datasourceUid === '__expr__') {
            const m = q.model;
            if (!m.expression || !seen.has(m.expression)) problems.push(`rule ${rule.uid}: ${q.refId} reads ${m.expression}, which no earlier query or expression defines`);
            if (m.type === 'reduce') {
              if (!['mean', 'min', 'max', 'sum', 'count', 'last', 'median'].includes(m.reducer ?? '')) problems.push(`rule ${rule.uid}: reducer ${m.reducer} is not one Grafana knows`);
              if (!['', 'dropNN', 'replaceNN', undefined].includes(m.settings?.mode)) problems.push(`rule ${rule.uid}: reduce mode ${m.settings?.mode}`);
            } else if (m.type === 'threshold') {
              const evaluator = m.conditions?.[0]?.evaluator;
              const arity: Record<string, number> = { gt: 1, lt: 1, eq: 1, ne: 1, gte: 1, lte: 1, within_range: 2, outside_range: 2, within_range_included: 2, outside_range_included: 2 };
              if (!evaluator?.type || arity[evaluator.type] === undefined || evaluator.params?.length !== arity[evaluator.type]) problems.push(`rule ${rule.uid}: threshold evaluator ${JSON.stringify(evaluator)}`);
            } else problems.push(`rule ${rule.uid}: expression type ${m.type} is not one these checks know`);
          }
          seen.add(q.refId);
        }
        if (!seen.has(rule.condition)) problems.push(`rule ${rule.uid}: condition ${rule.condition} is not a refId of its data`);
        return problems;
      }),
  },
  {
    id: 'labels-not-overridden',
    mirrors: 'pkg/services/ngalert/state/cache.go expandAnnotationsAndLabels (rule labels take precedence over the labels of the evaluation result)',
    consequence: 'every instance carries the rule\'s static value instead of its own: an alert of another severity is routed by the static one',
    run: (p) =>
      allRules(p).flatMap(({ rule }) => {
        const produced = new Set(esQueries(rule).flatMap((q) => (q.model.bucketAggs ?? []).map((a) => a.field ?? '')));
        return Object.keys(rule.labels ?? {}).filter((l) => produced.has(l)).map((l) => `rule ${rule.uid}: static label ${l} hides the ${l} of every instance`);
      }),
  },
];
