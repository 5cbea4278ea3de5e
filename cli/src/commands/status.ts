/** aisec status — is the service up, ready, detecting? The first command to run when something looks wrong. */
import type { Command } from 'commander';
import { CliError } from '../client.js';
import { printJson, style } from '../output.js';
import { contextOf } from './context.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('service health, readiness (Elasticsearch, index bootstrap) and streaming detection state')
    .action(async (_options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const response = await client.fetch('/ready', { method: 'GET', role: 'read' });
      const ready = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      let detection: Record<string, unknown> | string;
      try {
        detection = await client.request<Record<string, unknown>>('GET', '/v1/detections/status', { role: 'read' });
      } catch (error) {
        detection = (error as Error).message;
      }
      if (json) printJson({ url: client.baseUrl, ready, detection });
      else {
        const ok = response.ok;
        process.stdout.write(`service     ${client.baseUrl} ${ok ? style.green('ready') : style.red('not ready')}\n`);
        if (!ok) process.stdout.write(`reason      ${String(ready.reason ?? response.status)}\n`);
        const es = ready.elasticsearch as { cluster?: string; status?: string; nodes?: number } | undefined;
        if (es) process.stdout.write(`elasticsearch ${es.cluster} (${es.status}, ${es.nodes} node${es.nodes === 1 ? '' : 's'})\n`);
        if (typeof detection === 'string') process.stdout.write(`detection   ${style.yellow(detection)}\n`);
        else {
          const s = detection.streaming as { enabled: boolean; running: boolean; checkpoint?: string; events_processed: number; last_error?: string };
          process.stdout.write(`detection   streaming ${s.enabled ? (s.running ? style.green('running') : style.red('stopped')) : 'disabled'}, ${s.events_processed} events processed, checkpoint ${s.checkpoint ?? '-'}\n`);
          if (s.last_error) process.stdout.write(`            last error: ${style.red(s.last_error)}\n`);
          const partitions = (detection.partitions ?? []) as Array<{ partition: number; of: number; leader: boolean; rules: string[]; checkpoint?: string }>;
          if (partitions.length > 1) {
            for (const p of partitions) {
              const where = p.leader ? style.green('streamed here') : 'another replica (or none)';
              process.stdout.write(`            partition ${p.partition}/${p.of}: ${p.rules.length} rules, ${where}, checkpoint ${p.checkpoint ?? '-'}\n`);
            }
          }
          const w = detection.webhooks as { targets: number; pending: number; oldest_pending_at?: string; delivered: number; expired: number } | undefined;
          if (w && w.targets > 0) {
            const pending = w.pending > 0 ? style.yellow(`${w.pending} pending since ${w.oldest_pending_at ?? '?'}`) : '0 pending';
            process.stdout.write(`webhooks    ${w.targets} receiver${w.targets === 1 ? '' : 's'}, ${pending}, ${w.delivered} delivered by this replica${w.expired ? `, ${style.red(`${w.expired} expired`)}` : ''}\n`);
          }
        }
      }
      if (!response.ok) throw new CliError('the service is not ready', 1);
    });
}
