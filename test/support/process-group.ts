/**
 * The service processes one test file starts, kept together so that the file's `after` stops every one of them
 * (a killed one too: stopping it again is a no-op) and its failure messages can report on the live ones.
 */
import { startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from './service-process.js';

export interface ProcessGroup {
  /** every process started, in the order they became ready */
  readonly all: readonly ServiceProcess[];
  /** starts a service process (`startServiceProcess`) and keeps it in the group */
  start(options: ServiceProcessOptions): Promise<ServiceProcess>;
  /** stops all of them at once: SIGTERM, then SIGKILL for any not gone after `timeoutMs` (default 5 s) */
  stop(timeoutMs?: number): Promise<void>;
}

export function processGroup(): ProcessGroup {
  const all: ServiceProcess[] = [];
  return {
    all,
    async start(options) {
      const p = await startServiceProcess(options);
      all.push(p);
      return p;
    },
    async stop(timeoutMs = 5000) {
      await Promise.all(all.map((p) => p.stop(timeoutMs)));
    },
  };
}
