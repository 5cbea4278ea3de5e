/**
 * Stands in for Grafana's server in tests and in the screenshot harness: a BackendSrv whose `fetch` does what
 * Grafana's data proxy does for the `aisec` route of plugin.json — forward `<proxy base>/aisec/<path>` to
 * `<jsonData.url>/<path>` with `Authorization: Bearer <secureJsonData.apiKey>` — over real HTTP.
 */
import type { BackendSrv, BackendSrvRequest, FetchResponse } from '@grafana/runtime';
import { Observable } from 'rxjs';
import type { VariableFormatter } from '../datasource/query/targets';
import { PROXY_ROUTE } from '../datasource/types';

export interface HttpAnswer {
  status: number;
  statusText: string;
  body: string;
}

/** One HTTP exchange; node's http module in jest, window.fetch in the browser harness. */
export type Transport = (method: string, url: string, headers: Record<string, string>, body?: string) => Promise<HttpAnswer>;

export interface ProxySettings {
  /** what Grafana gives the datasource as instanceSettings.url */
  proxyBase: string;
  /** jsonData.url */
  serviceUrl: string;
  /** secureJsonData.apiKey, known only to the server side; absent when a real server in front adds it */
  apiKey?: string;
  transport: Transport;
}

export function proxyBackendSrv(settings: ProxySettings): BackendSrv {
  const prefix = `${settings.proxyBase}/${PROXY_ROUTE}/`;
  const fetch = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      if (!options.url.startsWith(prefix)) {
        subscriber.error({ status: 404, statusText: 'Not Found', data: { message: `no proxy route for ${options.url}` }, config: options });
        return;
      }
      const target = `${settings.serviceUrl.replace(/\/+$/, '')}/${options.url.slice(prefix.length)}`;
      const headers: Record<string, string> = { accept: 'application/json' };
      if (settings.apiKey !== undefined) headers.authorization = `Bearer ${settings.apiKey}`;
      let body: string | undefined;
      if (options.data !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.data);
      }
      settings
        .transport(options.method ?? 'GET', target, headers, body)
        .then((answer) => {
          let data: unknown = answer.body;
          try {
            data = answer.body ? JSON.parse(answer.body) : undefined;
          } catch {
            // not JSON: keep the text
          }
          const response = { data: data as T, status: answer.status, statusText: answer.statusText, ok: answer.status < 300, headers: (typeof Headers === 'undefined' ? {} : new Headers()) as Headers, redirected: false, type: 'basic' as const, url: options.url, config: options };
          if (answer.status >= 400) subscriber.error(response);
          else {
            subscriber.next(response);
            subscriber.complete();
          }
        })
        .catch((error: Error) => {
          // Grafana's proxy answers 502 when it cannot reach the route's URL
          subscriber.error({ status: 502, statusText: 'Bad Gateway', data: { message: error.message }, config: options });
        });
    });
  const unsupported = () => Promise.reject(new Error('not used by this datasource'));
  return { fetch, get: unsupported, post: unsupported, put: unsupported, patch: unsupported, delete: unsupported, request: unsupported, datasourceRequest: unsupported } as unknown as BackendSrv;
}

/** A TemplateSrv that knows a fixed set of variables, with Grafana's multi-value and custom-format semantics. */
export function fixedTemplateSrv(variables: Record<string, string | string[]>) {
  const pattern = /\$(\w+)|\$\{(\w+)\}/g;
  return {
    getVariables: () => [],
    containsTemplate: (target?: string) => Boolean(target && Object.keys(variables).some((name) => target.includes(`$${name}`) || target.includes(`\${${name}}`))),
    updateTimeRange: () => undefined,
    replace(target?: string, _scoped?: unknown, format?: string | VariableFormatter): string {
      if (!target) return '';
      return target.replace(pattern, (match, a: string | undefined, b: string | undefined) => {
        const name = (a ?? b)!;
        if (!(name in variables)) return match;
        const value = variables[name]!;
        if (typeof format === 'function') return String(format(value));
        return Array.isArray(value) ? (value.length > 1 ? `{${value.join(',')}}` : (value[0] ?? '')) : value;
      });
    },
  };
}
