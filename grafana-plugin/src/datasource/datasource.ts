/**
 * The datasource: Grafana queries become one POST /v1/query batch to the analytics service, sent through
 * Grafana's data proxy (route `aisec` in plugin.json adds the URL and the Bearer key server-side).
 */
import {
  DataSourceApi,
  dateTime,
  type CoreApp,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
  type TimeRange,
} from '@grafana/data';
import { getBackendSrv, getTemplateSrv, type FetchResponse } from '@grafana/runtime';
import { catchError, lastValueFrom, map, of, type Observable } from 'rxjs';
import { describeHttpError, toDataQueryResponse } from './query/frames';
import { requestBody, toTarget } from './query/targets';
import {
  DEFAULT_QUERY,
  PROXY_ROUTE,
  type AisecDataSourceOptions,
  type AisecQuery,
  type AisecVariableQuery,
  type QueryResponse,
  type QueryTarget,
} from './types';

const DAY_MS = 86_400_000;

export class DataSource extends DataSourceApi<AisecQuery, AisecDataSourceOptions> {
  /** proxy path of the service: <grafana>/api/datasources/proxy/uid/<uid>/aisec */
  readonly base: string;
  readonly serviceUrl: string | undefined;

  constructor(instanceSettings: DataSourceInstanceSettings<AisecDataSourceOptions>) {
    super(instanceSettings);
    this.base = `${instanceSettings.url ?? ''}/${PROXY_ROUTE}`;
    this.serviceUrl = instanceSettings.jsonData.url;
    // alerts as annotations: Grafana turns the time/timeEnd/title/text/tags fields of the frames into annotations
    this.annotations = { getDefaultQuery: () => ({ kind: 'annotations', minSeverity: 'high' }) };
  }

  getDefaultQuery(_app: CoreApp): Partial<AisecQuery> {
    return DEFAULT_QUERY;
  }

  filterQuery(query: AisecQuery): boolean {
    return !query.hide && typeof query.kind === 'string';
  }

  query(request: DataQueryRequest<AisecQuery>): Observable<DataQueryResponse> {
    const queries = request.targets.filter((q) => this.filterQuery(q));
    if (queries.length === 0) return of({ data: [] });
    const templateSrv = getTemplateSrv();
    const targets = queries.map((q) => toTarget(q, request.scopedVars, templateSrv));
    return this.post(targets, request.range, request.intervalMs, request.maxDataPoints, request.requestId).pipe(
      map((response) => toDataQueryResponse(response.data, queries.map((q) => q.refId))),
      catchError((error: unknown) => of({ data: [], error: { message: describeHttpError(error, this.serviceUrl) } })),
    );
  }

  /** Template variables: distinct users, models, endpoints, rules… over the dashboard's time range. */
  async metricFindQuery(query: AisecVariableQuery | string, options?: { range?: TimeRange; scopedVars?: ScopedVars }): Promise<MetricFindValue[]> {
    const variable: AisecVariableQuery = typeof query === 'string' ? { field: (query.trim() || 'user_id') as AisecVariableQuery['field'] } : query;
    const range = options?.range ?? lastDays(30);
    const target = toTarget(
      { refId: 'variable', kind: 'values', field: variable.field, ...(variable.endpoint ? { endpoint: [variable.endpoint] } : {}) },
      options?.scopedVars,
      getTemplateSrv(),
    );
    const response = await lastValueFrom(this.post([target], range));
    const result = response.data.results.variable;
    if (!result || result.error) throw new Error(result?.error ?? 'the service returned no values');
    const values = result.frames[0]?.fields.find((f) => f.name === 'text')?.values ?? [];
    return values.map((v) => ({ text: String(v) }));
  }

  /** Save & test: the service answers (/ready), and the key may read (an authenticated query). */
  async testDatasource(): Promise<TestDataSourceResponse> {
    if (!this.serviceUrl) return { status: 'error', message: 'Set the URL of the analytics service, e.g. http://analytics-service:8080' };
    let readiness: { status?: string; reason?: string; elasticsearch?: { cluster?: string; status?: string } };
    try {
      readiness = (await lastValueFrom(this.fetch<typeof readiness>({ url: `${this.base}/ready`, method: 'GET' }))).data;
    } catch (error) {
      const e = error as { status?: number; data?: { status?: string; reason?: string } };
      if (e.status === 503 && e.data?.status === 'not_ready') {
        return { status: 'error', message: `The analytics service answers but is not ready: ${e.data.reason ?? 'unknown reason'}. It needs a reachable Elasticsearch.` };
      }
      return { status: 'error', message: describeHttpError(error, this.serviceUrl) };
    }
    try {
      await lastValueFrom(this.post([{ refId: 'test', kind: 'values', field: 'user_id', limit: 1 }], lastDays(1)));
    } catch (error) {
      return { status: 'error', message: describeHttpError(error, this.serviceUrl) };
    }
    const es = readiness.elasticsearch;
    return {
      status: 'success',
      message: `Connected to the analytics service${es ? ` (Elasticsearch cluster ${es.cluster ?? '?'} is ${es.status ?? '?'})` : ''}; the API key can read.`,
    };
  }

  private post(targets: QueryTarget[], range: TimeRange, intervalMs?: number, maxDataPoints?: number, requestId?: string): Observable<FetchResponse<QueryResponse>> {
    return this.fetch<QueryResponse>({ url: `${this.base}/v1/query`, method: 'POST', data: requestBody(targets, range, intervalMs, maxDataPoints), requestId });
  }

  private fetch<T>(options: { url: string; method: string; data?: unknown; requestId?: string }): Observable<FetchResponse<T>> {
    return getBackendSrv().fetch<T>({ ...options, showErrorAlert: false, showSuccessAlert: false });
  }
}

function lastDays(days: number): TimeRange {
  const to = dateTime();
  const from = dateTime(to.valueOf() - days * DAY_MS);
  return { from, to, raw: { from: `now-${days}d`, to: 'now' } };
}
