/**
 * Read access to Elasticsearch for the domain (query kinds, assurance, UEBA): searches, aggregations, composite
 * pages and judge days. The domain composes what to ask (elasticsearch/dsl.ts types) and reads the answer; how the
 * request is sent, timed and its transient failures reported stays here.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { compositePages, groupCompositeByEntity, type CompositeQuery, type EsTiming } from './composite-pager.js';
import { withAvailability } from './errors.js';
import { readJudgeDays, type JudgeDaysRequest } from './judge-days.js';
import type { JudgeDayStats } from '../assurance/judge-drift-assessment.js';

export interface SearchOptions {
  /** names the request in an ElasticsearchUnavailableError; without it, transient failures are thrown as the client's */
  availability?: string;
  /** collects the request's `took` */
  timing?: EsTiming;
}

export class SearchReader {
  constructor(private readonly es: Client) {}

  async search<T = unknown>(request: estypes.SearchRequest, options: SearchOptions = {}): Promise<estypes.SearchResponse<T>> {
    const call = () => this.es.search<T>(request);
    const response = options.availability ? await withAvailability(options.availability, call) : await call();
    options.timing?.add(response);
    return response;
  }

  /** Aggregations only, over an index that other components may not have created yet. */
  async aggregate(index: string, query: estypes.QueryDslQueryContainer, aggs: Record<string, estypes.AggregationsAggregationContainer>): Promise<Record<string, unknown> | undefined> {
    const response = await this.es.search({ index, size: 0, track_total_hits: false, ignore_unavailable: true, allow_no_indices: true, query, aggs });
    return response.aggregations as Record<string, unknown> | undefined;
  }

  /** The `_source` of the first `size` documents matching `query`, in `sort` order. */
  async documents<T>(index: string, query: estypes.QueryDslQueryContainer, size: number, sort: estypes.Sort): Promise<T[]> {
    const response = await this.es.search<T>({ index, size, ignore_unavailable: true, allow_no_indices: true, track_total_hits: false, query, sort });
    return response.hits.hits.map((h) => h._source!).filter(Boolean);
  }

  compositePages<B>(spec: CompositeQuery, timing: EsTiming, what?: string): AsyncGenerator<B[]> {
    return compositePages<B>(this.es, spec, timing, what);
  }

  groupCompositeByEntity<B extends { key: { entity: string } }>(spec: CompositeQuery, timing: EsTiming, what?: string): Promise<Map<string, B[]>> {
    return groupCompositeByEntity<B>(this.es, spec, timing, what);
  }

  judgeDays(request: JudgeDaysRequest, timing?: EsTiming): Promise<Map<string, JudgeDayStats[]>> {
    return readJudgeDays(this.es, request, timing);
  }
}
