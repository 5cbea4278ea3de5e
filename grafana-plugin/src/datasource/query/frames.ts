/** From the service's answer to Grafana's: data frames per target, and each failed target as its own error. */
import { toDataFrame, type DataFrame, type DataQueryError, type DataQueryResponse } from '@grafana/data';
import type { QueryResponse } from '../types';

export function toDataQueryResponse(response: QueryResponse, refIds: string[]): DataQueryResponse {
  const data: DataFrame[] = [];
  const errors: DataQueryError[] = [];
  for (const refId of refIds) {
    const result = response.results[refId];
    if (!result) {
      errors.push({ refId, message: `the service returned no result for query ${refId}` });
      continue;
    }
    if (result.error) errors.push({ refId, message: result.error, status: result.status });
    for (const frame of result.frames) data.push(toDataFrame({ ...frame, refId }));
  }
  return errors.length > 0 ? { data, errors, error: errors[0] } : { data };
}

/** A readable message for a failed HTTP call through Grafana's data proxy. */
export function describeHttpError(error: unknown, serviceUrl: string | undefined): string {
  const e = error as { status?: number; statusText?: string; data?: { message?: string; error?: string } } | undefined;
  const detail = e?.data?.message ?? e?.data?.error ?? e?.statusText ?? (error instanceof Error ? error.message : '');
  switch (e?.status) {
    case 401:
      return `The analytics service rejected the API key (401: ${detail}). Paste a valid key with the read role into the API key field and save.`;
    case 403:
      return `The API key is valid but lacks the read role (403: ${detail}). Use a key listed as read:<key> or admin:<key> in AISEC_API_KEYS.`;
    case 404:
      return `Nothing answered at ${serviceUrl ?? 'the configured URL'}/v1/query (404). Check that the URL points at the analytics service, without a path.`;
    case 502:
    case 503:
    case 504:
      return `Grafana could not reach the analytics service at ${serviceUrl ?? 'the configured URL'} (${e.status}${detail ? `: ${detail}` : ''}). Check the URL as Grafana's server sees it (in Docker Compose, the service name), and that the service is running.`;
    default:
      return detail ? `Request to the analytics service failed${e?.status ? ` (${e.status})` : ''}: ${detail}` : 'Request to the analytics service failed';
  }
}
