/** aisec baselines show <kind> [id] */
import type { Command } from 'commander';
import { CliError } from '../client.js';
import { info, printJson, shortTime, style, table } from '../output.js';
import { contextOf } from './context.js';

const KINDS = ['users', 'models', 'endpoints', 'agents'];

interface ListItem {
  entity_id: string;
  event_count: number;
  request_count: number;
  active_hours: number;
  last_seen: string;
  department?: string;
  risk_score?: number;
  risk_level?: string;
}

const num = (v: unknown, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : '-');

export function registerBaselines(program: Command): void {
  const baselines = program.command('baselines').description('UEBA baselines of users, models, endpoints and agents');
  baselines
    .command('show <kind> [id]')
    .description(`without id: entities of a kind (${KINDS.join(', ')}) by risk or volume; with id: one entity's baseline, risk and anomalies`)
    .option('--sort <order>', 'risk or volume', 'risk')
    .option('--limit <n>', 'entities to list', '20')
    .action(async (kind: string, id: string | undefined, options: { sort: string; limit: string }, command: Command) => {
      const { client, json } = contextOf(command);
      if (!KINDS.includes(kind)) throw new CliError(`kind must be one of ${KINDS.join(', ')} (got "${kind}")`, 2);
      if (!id) {
        const page = await client.request<{ baselines: ListItem[]; total: number }>('GET', `/v1/baselines/${kind}`, { query: { sort: options.sort, limit: options.limit }, role: 'read' });
        if (json) return printJson(page);
        if (page.baselines.length === 0) return info(`no ${kind} baselines yet: they are computed on a schedule, or run POST /v1/baselines/rebuild`);
        process.stdout.write(
          table(
            ['entity', 'risk', 'level', 'events', 'requests', 'active hours', 'last seen'],
            page.baselines.map((b) => [b.entity_id, num(b.risk_score), b.risk_level ?? '-', String(b.event_count), String(b.request_count), String(b.active_hours), style.dim(shortTime(b.last_seen))]),
          ),
        );
        return info(style.dim(`${page.baselines.length} of ${page.total}`));
      }
      const profile = await client.request<Record<string, unknown>>('GET', `/v1/baselines/${kind}/${encodeURIComponent(id)}`, { role: 'read' });
      if (json) return printJson(profile);
      const risk = profile.risk as { score: number; level: string; alert_count: number } | null | undefined;
      const anomalies = (profile.recent_anomalies ?? []) as Array<{ rule_id: string; timestamp: string; severity?: string; title?: string }>;
      const lines = [
        style.bold(`${kind.slice(0, -1)} ${id}`),
        ...(risk ? [`${'risk'.padEnd(24)}${num(risk.score)} (${risk.level}) from ${risk.alert_count} alerts`] : []),
        ...Object.entries((profile.baseline ?? {}) as Record<string, unknown>)
          .filter(([, value]) => value !== null && (typeof value !== 'object' || Array.isArray(value)))
          .map(([key, value]) => `${key.padEnd(24)}${Array.isArray(value) ? value.join(', ') : String(value)}`),
        ...['tokens_out', 'cost_usd', 'requests_per_active_hour'].flatMap((key) => {
          const d = ((profile.baseline ?? {}) as Record<string, { median?: number; p95?: number; mean?: number } | undefined>)[key];
          return d ? [`${key.padEnd(24)}median ${num(d.median, 2)}, mean ${num(d.mean, 2)}, p95 ${num(d.p95, 2)}`] : [];
        }),
        ...(anomalies.length ? ['', style.bold('recent anomalies'), ...anomalies.map((a) => `  ${shortTime(a.timestamp)}  ${a.severity ?? '-'}  ${a.rule_id}  ${a.title ?? ''}`)] : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      info(style.dim('the full profile (distributions, hour-of-week, peers) is in --json'));
    });
}
