/**
 * The set-up of the fault tests that kill or restart the service while its pages are due: a webhook receiver, and
 * service processes that page it. Each process streams detections every 100 ms, pages the receiver on high alerts and
 * has no rate limit; it starts on a fresh index prefix, or on another process's to take over its data (a restart).
 * `open` in the test file's `before`, `close` in its `after`: every process is stopped, then the receiver closed.
 */
import type { ServiceProcess } from './service-process.js';
import { processGroup } from './process-group.js';
import { startWebhookReceiver, type ReceiverMode, type WebhookReceiver } from './webhook-receiver.js';

export interface PagingServices {
  /** starts the receiver, in `mode` */
  open(): Promise<WebhookReceiver>;
  /** starts a service process paging the receiver; `env` goes over the file's settings */
  start(name: string, prefix?: string, env?: Record<string, string>): Promise<ServiceProcess>;
  /** stops every process started, then closes the receiver */
  close(): Promise<void>;
}

/** `env`: the file's own settings (the webhook timings it needs), over the shared ones above. */
export function pagingServices(mode: ReceiverMode, env: Record<string, string>): PagingServices {
  const processes = processGroup();
  let receiver: WebhookReceiver | undefined;
  return {
    async open() {
      receiver = await startWebhookReceiver({ mode });
      return receiver;
    },
    start(name, prefix, extra = {}) {
      if (!receiver) throw new Error('pagingServices: open() the receiver before starting a service');
      return processes.start({
        name,
        ...(prefix ? { prefix } : {}),
        env: {
          AISEC_DETECTION_POLL_MS: '100',
          AISEC_WEBHOOK_URLS: receiver.url,
          AISEC_WEBHOOK_MIN_SEVERITY: 'high',
          AISEC_RATE_LIMIT_PER_MIN: '0',
          ...env,
          ...extra,
        },
      });
    },
    async close() {
      await processes.stop();
      await receiver?.close();
    },
  };
}
