/**
 * Grafana file provisioning (apiVersion 1) for the container paths docker-compose mounts:
 * datasources (ours, uid `aisec`, and Grafana's built-in Elasticsearch on the alerts/baselines/metrics/events
 * indices), the dashboard provider, and the app plugin that carries our datasource and panel.
 */
import { CONTAINER_DASHBOARDS_PATH, DATASOURCE, ES_DATASOURCES, FOLDER, PLUGIN } from './constants.js';

/** Where the stack's services are, from inside the Grafana container (docker-compose service names). */
export const STACK = {
  serviceUrl: 'http://analytics-service:8080',
  elasticsearchUrl: 'http://elasticsearch:9200',
  /** a read key of the service, from the Grafana container's environment */
  readKeyVariable: '${AISEC_GRAFANA_API_KEY}',
};

export interface ProvisionedDatasource {
  name: string;
  type: string;
  uid: string;
  access: 'proxy';
  url: string;
  isDefault?: boolean;
  editable: boolean;
  jsonData: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
}

export interface DatasourcesFile {
  apiVersion: 1;
  prune: boolean;
  datasources: ProvisionedDatasource[];
}

export function datasourcesFile(): DatasourcesFile {
  return {
    apiVersion: 1,
    prune: false,
    datasources: [
      {
        name: 'AI Security',
        type: PLUGIN.datasource,
        uid: DATASOURCE.aisec.uid,
        access: 'proxy',
        url: '',
        isDefault: true,
        editable: false,
        // the plugin's data-proxy route reads the service URL from jsonData and the key from secureJsonData
        jsonData: { url: STACK.serviceUrl },
        secureJsonData: { apiKey: STACK.readKeyVariable },
      },
      ...ES_DATASOURCES.map(
        ({ uid, index, name, timeField }): ProvisionedDatasource => ({
          name,
          type: 'elasticsearch',
          uid,
          access: 'proxy',
          url: STACK.elasticsearchUrl,
          editable: false,
          jsonData: { index, timeField, maxConcurrentShardRequests: 5, interval: '', includeFrozen: false },
        }),
      ),
    ],
  };
}

export function dashboardProvidersFile() {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'aisec',
        orgId: 1,
        // by title, the folder alerting provisioning already created (see FOLDER)
        folder: FOLDER.title,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: CONTAINER_DASHBOARDS_PATH, foldersFromFilesStructure: false },
      },
    ],
  };
}

/** Nested plugins load with their app: enable it explicitly (plugin.json also says autoEnabled). */
export function pluginsFile() {
  return { apiVersion: 1, apps: [{ type: PLUGIN.app, org_id: 1, disabled: false }] };
}
