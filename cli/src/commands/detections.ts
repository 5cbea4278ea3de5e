/** aisec detections run — retro-hunt over an event-time range, with progress. */
import type { Command } from 'commander';
import { CliError } from '../client.js';
import { info, printJson, style, table } from '../output.js';
import { progressBar } from '../progress.js';
import { contextOf, sleep } from './context.js';

interface Run {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  from: string;
  to: string;
  rules: string[];
  created: number;
  updated: number;
  unchanged: number;
  by_rule: Record<string, { created: number; updated: number; unchanged: number }>;
  chunks_total: number;
  chunks_done: number;
  duration_ms?: number;
  error?: string;
  baselines?: { rebuilt: boolean; reason: string; window?: { from: string; to: string } };
}

export function registerDetections(program: Command): void {
  const detections = program.command('detections').description('detection engine');
  detections
    .command('run')
    .description('retro-hunt: run every enabled rule (or --rules) over an event-time range; re-running never duplicates alerts (admin key)')
    .requiredOption('--from <iso>', 'event time from, e.g. 2026-02-01T00:00:00Z')
    .option('--to <iso>', 'event time to (default: now)')
    .option('--rules <ids>', 'comma-separated rule ids')
    .action(async (options: { from: string; to?: string; rules?: string }, command: Command) => {
      const { client, json } = contextOf(command);
      const to = options.to ?? new Date().toISOString();
      for (const [name, value] of [['--from', options.from], ['--to', to]] as const) {
        if (Number.isNaN(Date.parse(value))) throw new CliError(`${name} is not an ISO 8601 date-time (got "${value}")`, 2);
      }
      let run = await client.request<Run>('POST', '/v1/detections/run', {
        body: { from: new Date(options.from).toISOString(), to: new Date(to).toISOString(), wait: false, ...(options.rules ? { rules: options.rules.split(',') } : {}) },
        role: 'admin',
      });
      const bar = progressBar('retro-hunt', run.chunks_total, '{bar} {percentage}% | day {value}/{total} | alerts created {created}', !json && process.stderr.isTTY === true);
      while (run.status === 'running') {
        bar.update(run.chunks_done, { created: run.created });
        await sleep(500);
        run = await client.request<Run>('GET', `/v1/detections/runs/${run.id}`, { role: 'read' });
      }
      bar.update(run.chunks_done, { created: run.created });
      bar.stop();
      if (json) printJson(run);
      else {
        const rows = Object.entries(run.by_rule)
          .filter(([, t]) => t.created + t.updated + t.unchanged > 0)
          .map(([rule, t]) => [rule, String(t.created), String(t.updated), String(t.unchanged)]);
        if (run.baselines?.rebuilt && run.baselines.window) info(`UEBA baselines rebuilt first over ${run.baselines.window.from} – ${run.baselines.window.to} (${run.baselines.reason})`);
        if (rows.length) process.stdout.write(table(['rule', 'created', 'updated', 'unchanged'], rows));
        info(`${run.status === 'succeeded' ? style.green('done') : style.red(run.status)}: ${run.created} alerts created, ${run.updated} updated, ${run.unchanged} unchanged over ${run.chunks_total} day(s) in ${((run.duration_ms ?? 0) / 1000).toFixed(1)} s (run ${run.id})`);
      }
      if (run.status === 'failed') throw new CliError(`retro-hunt failed: ${run.error ?? 'unknown error'}`);
    });
}
