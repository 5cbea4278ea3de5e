/** The DataQueryRequest a dashboard sends to DataSource.query, for tests and the harness pages. No React, no HTTP. */
import { CoreApp, type DataQueryRequest, type TimeRange } from '@grafana/data';
import type { AisecQuery } from '../datasource/types';

/** A dashboard's query request over a range: hourly interval and 1000 points unless `extra` says otherwise. */
export function queryRequest(targets: AisecQuery[], range: TimeRange, extra: Partial<DataQueryRequest<AisecQuery>> = {}): DataQueryRequest<AisecQuery> {
  return {
    requestId: 'query',
    interval: '1h',
    intervalMs: 3_600_000,
    maxDataPoints: 1000,
    range,
    scopedVars: {},
    targets,
    timezone: 'utc',
    app: CoreApp.Dashboard,
    startTime: Date.now(),
    ...extra,
  };
}
