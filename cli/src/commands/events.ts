/** aisec events tail | list */
import type { Command } from 'commander';
import { follow } from '../sse.js';
import { info, printJson, severity, shortTime, style, table } from '../output.js';
import { addEventFilters, contextOf, eventFilterQuery } from './context.js';

type EventRecord = Record<string, unknown> & { timestamp: string; category: string };

const DECISION_STYLE: Record<string, (s: string) => string> = { block: style.red, redact: style.yellow, escalate: style.yellow, allow: style.green };

function detail(event: EventRecord): string {
  const parts: string[] = [];
  for (const field of ['policy_violated', 'tool_name', 'judge_score', 'tokens_out', 'src_ip', 'agent_id']) {
    if (event[field] !== undefined) parts.push(`${field}=${String(event[field])}`);
  }
  return parts.join(' ');
}

export function eventLine(event: EventRecord): string {
  const decision = typeof event.decision === 'string' ? event.decision : '-';
  return [
    style.dim(shortTime(event.timestamp)),
    severity(event.severity as string | undefined),
    String(event.category).padEnd(24),
    (DECISION_STYLE[decision] ?? ((s: string) => s))(decision.padEnd(8)),
    String(event.user_id ?? '-').padEnd(22),
    String(event.model ?? '-').padEnd(20),
    String(event.endpoint ?? '-').padEnd(18),
    style.dim(detail(event)),
  ].join(' ');
}

export function registerEvents(program: Command): void {
  const events = program.command('events').description('read events: a live tail or a filtered list');

  addEventFilters(
    events
      .command('tail')
      .description('follow events live as they are ingested (Server-Sent Events from GET /v1/events/stream)')
      .option('--since <duration>', 'first replay events ingested this far back, e.g. 5m')
      .option('--max-events <n>', 'stop after this many events', (v) => Number(v)),
  ).action(async (options: Record<string, unknown>, command: Command) => {
    const { client, json } = contextOf(command);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const max = typeof options.maxEvents === 'number' ? options.maxEvents : Infinity;
    let seen = 0;
    if (!json) info(style.dim(`following events at ${client.baseUrl} (Ctrl-C to stop)`));
    await follow(client, '/v1/events/stream', {
      query: { ...eventFilterQuery(options), since: options.since as string | undefined },
      role: 'read',
      signal: controller.signal,
      onReconnect: (reason) => info(style.yellow(`stream interrupted (${reason}); reconnecting`)),
      onMessage: (message) => {
        if (message.event === 'warning') info(style.yellow(`service: ${JSON.parse(message.data).message}`));
        if (message.event === 'end') info(style.dim(`service closed the stream: ${JSON.parse(message.data).reason}`));
        if (message.event !== 'event') return;
        const event = JSON.parse(message.data) as EventRecord;
        process.stdout.write(json ? `${JSON.stringify(event)}\n` : `${eventLine(event)}\n`);
        seen++;
        return seen >= max ? 'stop' : undefined;
      },
    });
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  });

  addEventFilters(
    events
      .command('list')
      .description('list events, newest first (GET /v1/events)')
      .option('--since <duration>', 'look-back window, e.g. 24h', '24h')
      .option('--from <iso>', 'event time from (instead of --since)')
      .option('--to <iso>', 'event time to')
      .option('--limit <n>', 'events to show (max 10000)', '100')
      .option('--ndjson', 'one event per line, as stored (for jq and SIEM forwarding)'),
  ).action(async (options: Record<string, unknown>, command: Command) => {
    const { client, json } = contextOf(command);
    const range = options.from || options.to ? { from: options.from as string | undefined, to: options.to as string | undefined } : { since: options.since as string };
    const query = { ...eventFilterQuery(options), ...range, limit: String(options.limit) };
    if (options.ndjson) {
      const response = await client.send('GET', '/v1/events', { query: { ...query, format: 'ndjson' }, role: 'read' });
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
      return;
    }
    const page = await client.request<{ events: EventRecord[]; total: number }>('GET', '/v1/events', { query, role: 'read' });
    if (json) return printJson(page);
    if (page.events.length === 0) return info('no events match');
    process.stdout.write(
      table(
        ['time', 'severity', 'category', 'decision', 'user', 'model', 'endpoint'],
        page.events.map((e) => [style.dim(shortTime(e.timestamp)), severity(e.severity as string | undefined).trimEnd(), e.category, String(e.decision ?? '-'), String(e.user_id ?? '-'), String(e.model ?? '-'), String(e.endpoint ?? '-')]),
      ),
    );
    info(style.dim(`${page.events.length} of ${page.total} matching events`));
  });
}
