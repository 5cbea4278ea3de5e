/** What readiness asks of Elasticsearch: the cluster's health, answered quickly or not at all. */
import type { Client } from '@elastic/elasticsearch';

export interface ClusterHealth {
  cluster: string;
  status: string;
  nodes: number;
}

/** Cluster health within about 3 s and without retries: a probe must not wait on a struggling cluster. */
export async function readClusterHealth(es: Client): Promise<ClusterHealth> {
  const health = await es.cluster.health({ timeout: '2s' }, { requestTimeout: 3000, maxRetries: 0 });
  return { cluster: health.cluster_name, status: health.status, nodes: health.number_of_nodes };
}
