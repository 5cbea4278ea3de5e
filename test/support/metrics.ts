/** Reading the service's Prometheus metrics (GET /metrics) in tests. */
import type { TestService } from './service.js';

/** The value of a sample (`name{labels} value`) in a Prometheus text exposition; 0 when absent. */
export function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Open GET /v1/events/stream connections, as the service counts them (`aisec_event_stream_clients`). */
export async function streamClients(service: TestService): Promise<number> {
  const response = await service.request('read', { method: 'GET', url: '/metrics' });
  if (response.statusCode !== 200) throw new Error(`GET /metrics answered ${response.statusCode}: ${response.body}`);
  return sample(response.body, 'aisec_event_stream_clients');
}
