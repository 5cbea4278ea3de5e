/**
 * The plugin's DataSource as Grafana instantiates it for the `aisec` uid, its HTTP going through the data-proxy
 * stand-in (grafanaProxy.ts). Shared by the datasource's service test and both harness pages.
 */
import type { DataSourceInstanceSettings } from '@grafana/data';
import { setBackendSrv } from '@grafana/runtime';
import { DataSource } from '../datasource/datasource';
import type { AisecDataSourceOptions } from '../datasource/types';
import { proxyBackendSrv, type Transport } from './grafanaProxy';

/** What Grafana gives the datasource as instanceSettings.url for the uid `aisec`. */
export const PROXY_BASE = '/api/datasources/proxy/uid/aisec';

export interface ProxiedDataSourceOptions {
  /** where the proxy stand-in forwards `<PROXY_BASE>/aisec/<path>` */
  serviceUrl: string;
  /** jsonData.url as configured in Grafana; the service URL unless a real proxy sits in front */
  jsonDataUrl?: string;
  /** secureJsonData.apiKey; absent when a real server in front adds it */
  apiKey?: string;
  transport: Transport;
}

/** Installs the proxy stand-in as Grafana's BackendSrv and returns the datasource that talks through it. */
export function proxiedDataSource(options: ProxiedDataSourceOptions): DataSource {
  setBackendSrv(proxyBackendSrv({ proxyBase: PROXY_BASE, serviceUrl: options.serviceUrl, apiKey: options.apiKey, transport: options.transport }));
  return new DataSource({
    id: 1,
    uid: 'aisec',
    type: 'aisec-ueba-datasource',
    name: 'AI Security',
    url: PROXY_BASE,
    access: 'proxy',
    jsonData: { url: options.jsonDataUrl ?? options.serviceUrl },
    meta: {} as DataSourceInstanceSettings['meta'],
    readOnly: false,
  } as DataSourceInstanceSettings<AisecDataSourceOptions>);
}
