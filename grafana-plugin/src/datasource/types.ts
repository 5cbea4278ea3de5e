/**
 * The datasource's query and options types. The query model is the service's query target (one source:
 * analytics-service/src/query/kinds.ts, imported as types only), with filter values widened to strings so a
 * filter can hold a template variable such as `$user`, and without `refId`, which Grafana's DataQuery brings.
 */
import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import type { QueryKind, QueryTarget, ValueField } from '../../../analytics-service/src/query/kinds';

export type { FrameJson, QueryKind, QueryResponse, QueryTarget, TargetResult, ValueField, EventGroupField, EntityKind } from '../../../analytics-service/src/query/kinds';
export type { Category, Severity } from '../../../analytics-service/src/contract/event-schema';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** Arrays of exact values (filters) become string arrays, so they may hold template variables. */
type Templated<T> = T extends unknown ? { [P in keyof T]: NonNullable<T[P]> extends readonly unknown[] ? string[] | undefined : T[P] } : never;

/** One panel query: a kind of the service's query API plus its filters and options. */
export type AisecQuery = DataQuery & Templated<DistributiveOmit<QueryTarget, 'refId'>>;
export type AisecQueryOf<K extends QueryKind> = Extract<AisecQuery, { kind: K }>;

export const DEFAULT_QUERY: Partial<AisecQuery> = { kind: 'event_volume', groupBy: 'category' };

/** Template variable query: distinct values of one field. */
export interface AisecVariableQuery {
  field: ValueField;
  /** optional filter, e.g. only users of `$endpoint` */
  endpoint?: string;
}

/** Value of a multi-value variable's "All" option in our dashboards: the filter is dropped rather than expanded. */
export const ALL_VALUE = '__all__';

/** Options of a datasource instance, stored in Grafana (visible to the browser). */
export interface AisecDataSourceOptions extends DataSourceJsonData {
  /** base URL of the analytics service as Grafana's server sees it, e.g. http://analytics-service:8080 */
  url?: string;
}

/** Secrets of a datasource instance: write-only from the browser, used by Grafana's data proxy. */
export interface AisecSecureJsonData {
  apiKey?: string;
}

/** Path of the data proxy route declared in plugin.json. */
export const PROXY_ROUTE = 'aisec';
