/**
 * What Grafana's Elasticsearch backend does with an alert rule's query model, written from its source
 * (pkg/tsdb/elasticsearch, Grafana 11.6): the _msearch request it sends, and the frame it makes of the answer.
 *
 *   request  (data_query.go processQuery, client/search_request.go, client/models.go, client/client.go):
 *     header {search_type: query_then_fetch, ignore_unavailable: true, index}
 *     body   {size: 0, query: {bool: {filter: [range on the DATASOURCE's timeField {gte, lte, format: epoch_millis},
 *            query_string {analyze_wildcard: true, query}]}}, aggs: terms nested in bucketAggs order, each
 *            {field, size, order: {_count|_key: …}, min_doc_count}, the innermost holding the non-count metrics}
 *     URL    POST <url>/_msearch?max_concurrent_shard_requests=<jsonData.maxConcurrentShardRequests or 5>
 *   answer   (response_parser.go processBuckets/processAggregationDocs): with only terms aggregations, one table:
 *            a string column per terms field (the outer keys carried down as props), then one number column per
 *            metric (count → "Count" = doc_count); rows = leaf buckets.
 *
 * Then server-side expressions (pkg/expr/nodes.go isNumberTable/extractNumberSet) turn a table with exactly one
 * numeric column into one number per row labelled by the string columns.
 */
import type { Datasource, QueryModel } from '../provisioned.js';

export interface MsearchRequest {
  url: string;
  header: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** Mirrors addTermsAgg's size rule (stringToIntWithDefaultValue: not a positive integer → 500). */
const termsSize = (value: unknown): number => {
  const n = Number.parseInt(String(value ?? ''), 10);
  return Number.isFinite(n) && n !== 0 ? n : 500;
};

function aggsFor(model: QueryModel): Record<string, unknown> {
  const metrics = (model.metrics ?? []).filter((m) => m.type !== 'count');
  let inner: Record<string, unknown> | undefined = metrics.length ? Object.fromEntries(metrics.map((m) => [m.id, { [m.type]: { field: m.field } }])) : undefined;
  // built bottom-up so the first bucket aggregation is the outermost, as processTimeSeriesQuery nests them
  for (const agg of [...(model.bucketAggs ?? [])].reverse()) {
    if (agg.type !== 'terms') throw new Error(`bucket aggregation ${agg.type}: only terms are translated (the paging rules use terms only)`);
    const settings = agg.settings ?? {};
    // a non-metric orderBy (_count, _key) goes through as the order key
    const terms: Record<string, unknown> = { field: agg.field, size: termsSize(settings.size), order: { [String(settings.orderBy ?? '_count')]: String(settings.order ?? 'desc') } };
    if (settings.min_doc_count !== undefined) terms.min_doc_count = Number.parseInt(String(settings.min_doc_count), 10);
    inner = { [agg.id]: { terms, ...(inner ? { aggs: inner } : {}) } };
  }
  return inner ?? {};
}

/**
 * The request Grafana sends for `model` on `datasource` over [from, to] (epoch ms). `target` replaces the
 * datasource's url and index with the test's node and private index prefix; everything else is the provisioned file's.
 */
export function grafanaSearchRequest(model: QueryModel, datasource: Datasource, range: { from: number; to: number }, target: { url: string; index: string }): MsearchRequest {
  const timeField = String(datasource.jsonData?.timeField ?? '');
  const filters: unknown[] = [{ range: { [timeField]: { gte: range.from, lte: range.to, format: 'epoch_millis' } } }];
  if ((model.query ?? '').trim() !== '') filters.push({ query_string: { query: model.query, analyze_wildcard: true } });
  const shards = Number(datasource.jsonData?.maxConcurrentShardRequests ?? 0) || 5;
  return {
    url: `${target.url}/_msearch?max_concurrent_shard_requests=${shards}`,
    header: { search_type: 'query_then_fetch', ignore_unavailable: true, index: target.index },
    body: { size: 0, query: { bool: { filter: filters.length === 1 ? filters[0] : filters } }, aggs: aggsFor(model) },
  };
}

export interface LabelledNumber {
  labels: Record<string, string>;
  value: number | null;
}

interface Bucket {
  key: string | number;
  doc_count: number;
  [agg: string]: unknown;
}

/** The table processAggregationDocs builds, converted the way extractNumberSet does: one labelled number per leaf bucket. */
export function numberSet(aggregations: Record<string, unknown>, model: QueryModel): LabelledNumber[] {
  const aggs = model.bucketAggs ?? [];
  const metric = model.metrics?.[0];
  if (!metric || (model.metrics ?? []).length !== 1) throw new Error('a number table needs exactly one metric');
  const out: LabelledNumber[] = [];
  const walk = (container: Record<string, unknown>, depth: number, props: Record<string, string>) => {
    const agg = aggs[depth]!;
    const buckets = ((container[agg.id] as { buckets?: Bucket[] } | undefined)?.buckets ?? []) as Bucket[];
    for (const bucket of buckets) {
      if (typeof bucket.key !== 'string') throw new Error(`terms on ${agg.field}: numeric key ${bucket.key} would be a second numeric column`);
      const labels = { ...props, [agg.field!]: bucket.key };
      if (depth + 1 < aggs.length) walk(bucket, depth + 1, labels);
      else out.push({ labels, value: metric.type === 'count' ? bucket.doc_count : ((bucket[metric.id] as { value?: number | null } | undefined)?.value ?? null) });
    }
  };
  walk(aggregations, 0, {});
  return out;
}

/** Sends the request as Grafana's client does (NDJSON, application/x-ndjson) and returns the labelled numbers. */
export async function runGrafanaQuery(request: MsearchRequest, model: QueryModel): Promise<LabelledNumber[]> {
  const response = await fetch(request.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: `${JSON.stringify(request.header)}\n${JSON.stringify(request.body)}\n`,
  });
  if (!response.ok) throw new Error(`_msearch answered ${response.status}: ${await response.text()}`);
  const { responses } = (await response.json()) as { responses: Array<{ error?: unknown; aggregations?: Record<string, unknown> }> };
  const [first] = responses;
  if (!first || first.error) throw new Error(`_msearch error: ${JSON.stringify(first?.error)}`);
  return numberSet(first.aggregations ?? {}, model);
}
