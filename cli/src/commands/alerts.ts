/** aisec alerts list | show | ack | resolve */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CliError, type AisecClient } from '../client.js';
import { info, printJson, severity, shortTime, style, table } from '../output.js';
import { contextOf } from './context.js';

interface Alert {
  id: string;
  rule_id: string;
  title: string;
  severity: string;
  timestamp: string;
  status: string;
  resolution?: string;
  user_id?: string;
  agent_id?: string;
  src_ip?: string;
  endpoint?: string;
  observed: number;
  threshold: number;
  event_count: number;
  response: string;
  recommended_action?: string;
  tags: string[];
  window_start: string;
  window_end: string;
  history: Array<{ at: string; actor: string; on_behalf_of?: string; action: string; status?: string; resolution?: string; note?: string }>;
}

const RESOLUTIONS = ['true_positive', 'false_positive', 'benign'];

function actor(options: { actor?: string }): string {
  if (options.actor) return options.actor;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function entity(alert: Alert): string {
  return alert.user_id ?? alert.agent_id ?? alert.src_ip ?? alert.endpoint ?? '-';
}

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('detections: list, inspect and triage alerts');

  alerts
    .command('list')
    .description('alerts, newest first')
    .option('--since <duration>', 'look-back on the alert time, e.g. 24h', '24h')
    .option('--rule <id>', 'only this rule id')
    .option('--severity <level>', 'only this severity')
    .option('--user-id <id>', 'only this user')
    .option('--status <status>', 'open, acknowledged or closed')
    .option('--limit <n>', 'alerts to show (max 1000)', '50')
    .action(async (options: Record<string, string | undefined>, command: Command) => {
      const { client, json } = contextOf(command);
      const page = await client.request<{ alerts: Alert[]; total: number }>('GET', '/v1/alerts', {
        query: { since: options.since, rule_id: options.rule, severity: options.severity, user_id: options.userId, status: options.status, limit: options.limit },
        role: 'read',
      });
      if (json) return printJson(page);
      if (page.alerts.length === 0) return info('no alerts match');
      process.stdout.write(
        table(
          ['id', 'time', 'severity', 'rule', 'entity', 'events', 'status'],
          page.alerts.map((a) => [a.id.slice(0, 12), style.dim(shortTime(a.timestamp)), severity(a.severity).trimEnd(), a.rule_id, entity(a), String(a.event_count), a.status]),
        ),
      );
      info(style.dim(`${page.alerts.length} of ${page.total}; ids are shown shortened: \`aisec alerts show <id prefix>\` accepts them`));
    });

  alerts
    .command('show <id>')
    .description('one alert with its evidence events (the id, or a unique prefix from `alerts list`)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const full = await resolveId(client, id);
      const found = await client.request<{ alert: Alert; evidence: Array<Record<string, unknown>> }>('GET', `/v1/alerts/${full}`, { role: 'read' });
      if (json) return printJson(found);
      const a = found.alert;
      const lines = [
        `${severity(a.severity).trimEnd()} ${style.bold(a.title)}  ${style.dim(a.rule_id)}`,
        `id          ${a.id}`,
        `status      ${a.status}${a.resolution ? ` (${a.resolution})` : ''}`,
        `entity      ${entity(a)}`,
        `window      ${shortTime(a.window_start)} → ${shortTime(a.window_end)}`,
        `observed    ${a.observed} (threshold ${a.threshold}), ${a.event_count} events`,
        `tags        ${a.tags.join(', ')}`,
        ...(a.recommended_action ? [`action      ${a.recommended_action}`] : []),
        `response    ${a.response}`,
        '',
        style.bold('evidence'),
        ...found.evidence.map((e) => `  ${shortTime(e.timestamp as string)}  ${String(e.category).padEnd(22)} ${String(e.user_id ?? '-')}  ${style.dim(String(e.event_id))}`),
        '',
        style.bold('history'),
        ...a.history.map((h) => `  ${shortTime(h.at)}  ${h.actor}${h.on_behalf_of ? ` for ${h.on_behalf_of}` : ''}  ${h.action}${h.status ? ` → ${h.status}` : ''}${h.resolution ? ` (${h.resolution})` : ''}${h.note ? `: ${h.note}` : ''}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  alerts
    .command('ack <id>')
    .description('acknowledge an alert (status acknowledged); needs an admin key')
    .option('--note <text>', 'a note for the history')
    .option('--actor <name>', 'on whose behalf (recorded as on_behalf_of; the actor is always the API key\'s name; default: cli:<your login>)')
    .action(async (id: string, options: { note?: string; actor?: string }, command: Command) => {
      const { client, json } = contextOf(command);
      const full = await resolveId(client, id);
      const alert = await client.request<Alert>('PATCH', `/v1/alerts/${full}`, { body: { status: 'acknowledged', actor: actor(options), ...(options.note ? { note: options.note } : {}) }, role: 'admin' });
      if (json) return printJson(alert);
      info(`${style.green('acknowledged')} ${alert.id} (${alert.rule_id})`);
    });

  alerts
    .command('resolve <id>')
    .description('close an alert with a resolution; needs an admin key')
    .requiredOption('--resolution <kind>', `one of ${RESOLUTIONS.join(', ')}`)
    .option('--note <text>', 'a note for the history')
    .option('--actor <name>', 'on whose behalf (recorded as on_behalf_of; the actor is always the API key\'s name; default: cli:<your login>)')
    .action(async (id: string, options: { resolution: string; note?: string; actor?: string }, command: Command) => {
      const { client, json } = contextOf(command);
      if (!RESOLUTIONS.includes(options.resolution)) throw new CliError(`--resolution must be one of ${RESOLUTIONS.join(', ')} (got "${options.resolution}")`, 2);
      const full = await resolveId(client, id);
      const alert = await client.request<Alert>('PATCH', `/v1/alerts/${full}`, {
        body: { status: 'closed', resolution: options.resolution, actor: actor(options), ...(options.note ? { note: options.note } : {}) },
        role: 'admin',
      });
      if (json) return printJson(alert);
      info(`${style.green('closed')} ${alert.id} as ${options.resolution}`);
    });
}

/** Accepts a full id, or a prefix that matches exactly one recent alert. */
async function resolveId(client: AisecClient, id: string): Promise<string> {
  if (/^[0-9a-f]{64}$/.test(id)) return id;
  if (!/^[0-9a-f]{4,63}$/.test(id)) throw new CliError(`"${id}" is not an alert id (64 hex characters, or a prefix of at least 4)`, 2);
  const page = await client.request<{ alerts: Alert[] }>('GET', '/v1/alerts', { query: { since: '400d', limit: 1000 }, role: 'read' });
  const matches = page.alerts.filter((a) => a.id.startsWith(id));
  if (matches.length === 1) return matches[0]!.id;
  throw new CliError(matches.length === 0 ? `no recent alert id starts with ${id}` : `${matches.length} alerts start with ${id}; give more characters`, 2);
}
