/**
 * aisec demo — realistic traffic with recurring attack campaigns, sent to the ingest API.
 *
 *   live (default): first `--history` of past traffic (baselines and trailing means need it), then live traffic at
 *                   `--rate` until `--duration` is over or Ctrl-C, with one campaign every `--campaign-every`.
 *   range:          `--from`/`--to` generates that range (campaigns daily) and exits; `--out FILE` writes NDJSON
 *                   instead of sending (input for `aisec backfill`).
 */
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { CliError, type AisecClient } from '../client.js';
import { CAMPAIGNS, DemoGenerator, HISTORY_NEEDED } from '../demo/generator.js';
import type { DemoEvent } from '../demo/background.js';
import { info, printJson, style } from '../output.js';
import { progressBar } from '../progress.js';
import { sendBatch, type BackfillSummary } from './backfill.js';
import { contextOf, sleep } from './context.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(value.trim());
  if (!match) throw new CliError(`${name} must look like 90s, 10m, 2h or 8d (got "${value}")`, 2);
  return Number(match[1]) * UNITS[match[2]!]!;
}

function emptySummary(): BackfillSummary {
  return { files: 0, lines: 0, accepted: 0, duplicates: 0, rejected: 0, batches: 0, retries: 0, rejects: [] };
}

async function send(client: AisecClient, events: DemoEvent[], summary: BackfillSummary): Promise<void> {
  for (let i = 0; i < events.length; i += 5000) {
    const lines = events.slice(i, i + 5000).map((e, k) => ({ file: 'demo', line: i + k + 1, text: JSON.stringify(e) }));
    summary.lines += lines.length;
    await sendBatch(client, lines, summary, 20, (line, error) => {
      if (summary.rejects.length < 20) summary.rejects.push({ file: line.file, line: line.line, ...(error.field ? { field: error.field } : {}), message: error.message });
    });
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('send realistic AI-gateway traffic with recurring attack campaigns (ingest key); see --list for the campaigns')
    .option('--rate <n>', 'background events per second at the busiest hour', '2')
    .option('--users <n>', 'people in the demo organisation', '80')
    .option('--seed <n>', 'random seed: the same seed gives the same people and events', '42')
    .option('--history <duration>', 'past traffic sent first, e.g. 8d (0 for none); 15d also lets the 14-day UEBA rules score', '8d')
    .option('--duration <duration>', 'stop live traffic after this long (default: until Ctrl-C)')
    .option('--campaign-every <duration>', 'live mode: one attack campaign this often, in turn', '60s')
    .option('--from <iso>', 'range mode: generate this event-time range and exit')
    .option('--to <iso>', 'range mode: end of the range (default: now)')
    .option('--out <file>', 'range mode: write NDJSON to this file instead of sending')
    .option('--list', 'list the attack campaigns and the rules each one trips, then exit')
    .action(async (options: Record<string, string | boolean | undefined>, command: Command) => {
      const { client, json } = contextOf(command);
      if (options.list) {
        if (json) return printJson(CAMPAIGNS.map(({ id, title, family, rules, needsHistory }) => ({ id, title, family, rules, needs_history: needsHistory })));
        for (const c of CAMPAIGNS) process.stdout.write(`${style.bold(c.id)} ${style.dim(`[${c.family}]`)}${c.needsHistory ? style.dim(' (needs 7 days of history)') : ''}\n  ${c.title}\n  rules: ${c.rules.join(', ')}\n`);
        return;
      }
      const rate = Number(options.rate);
      const users = Number(options.users);
      const seed = Number(options.seed);
      if (!(rate > 0 && rate <= 10_000)) throw new CliError('--rate must be a number above 0 and at most 10000', 2);
      if (!(Number.isInteger(users) && users >= 5 && users <= 100_000)) throw new CliError('--users must be a whole number from 5 to 100000', 2);
      if (!Number.isInteger(seed)) throw new CliError('--seed must be a whole number', 2);
      const generator = new DemoGenerator({ seed, rate, users });
      const summary = emptySummary();
      const showProgress = !json && process.stderr.isTTY === true;

      // range mode
      if (options.from) {
        const from = Date.parse(options.from as string);
        const to = options.to ? Date.parse(options.to as string) : Date.now();
        if (Number.isNaN(from) || Number.isNaN(to) || from >= to) throw new CliError('--from and --to must be ISO 8601 date-times with from before to', 2);
        const out = options.out ? createWriteStream(options.out as string) : undefined;
        const bar = progressBar('demo', Math.ceil((to - from) / 3_600_000), '{bar} {percentage}% | hour {value}/{total} | {events} events', showProgress);
        let written = 0;
        for (let t = from, hour = 0; t < to; t += 3_600_000, hour++) {
          const events = generator.range(t, Math.min(to, t + 3_600_000), from);
          if (out) for (const e of events) out.write(`${JSON.stringify(e)}\n`);
          else await send(client, events, summary);
          written += events.length;
          bar.update(hour + 1, { events: written });
        }
        bar.stop();
        if (out) await new Promise((resolve) => out.end(resolve));
        const result = out ? { events: written, file: options.out } : { ...summary, events: written };
        if (json) printJson(result);
        else info(out ? `wrote ${written} events to ${options.out}` : `${written} events sent: ${summary.accepted} stored, ${summary.duplicates} already there, ${summary.rejected} rejected`);
        if (summary.rejected > 0) process.exitCode = 3;
        return;
      }

      // live mode: history first
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      process.once('SIGTERM', () => controller.abort());
      const start = Date.now();
      const historyMs = options.history === '0' ? 0 : parseDuration(options.history as string, '--history');
      if (historyMs > 0) {
        const from = start - historyMs;
        info(`sending ${options.history} of history (${users} people, ${rate} events/s at the busiest hour)…`);
        const bar = progressBar('history', Math.ceil(historyMs / 3_600_000), '{bar} {percentage}% | hour {value}/{total} | {accepted} stored', showProgress);
        for (let t = from, hour = 0; t < start && !controller.signal.aborted; t += 3_600_000, hour++) {
          await send(client, generator.range(t, Math.min(start, t + 3_600_000), from), summary);
          bar.update(hour + 1, { accepted: summary.accepted });
        }
        bar.stop();
        info(`history: ${summary.accepted} events stored, ${summary.duplicates} already there`);
      }
      const durationMs = options.duration ? parseDuration(options.duration as string, '--duration') : Infinity;
      const every = parseDuration(options['campaignEvery'] as string, '--campaign-every');
      const eligible = CAMPAIGNS.filter((c) => !c.needsHistory || historyMs >= HISTORY_NEEDED);
      info(`live: ${rate} events/s at peak, a campaign every ${options['campaignEvery']} (${eligible.length} campaigns in turn); Ctrl-C to stop`);
      let last = start;
      let nextCampaign = start + Math.min(every, 20_000);
      let occurrence = 0;
      let lastReport = start;
      while (!controller.signal.aborted && Date.now() - start < durationMs) {
        await sleep(1000);
        const now = Date.now();
        const events = generator.background(last, now);
        last = now;
        if (now >= nextCampaign && eligible.length > 0) {
          const campaign = eligible[occurrence % eligible.length]!;
          events.push(...generator.campaignNow(campaign, Math.floor(start / 1000) + occurrence, now));
          if (!json) info(`${style.yellow('campaign')} ${campaign.id}: ${campaign.title} → expect ${campaign.rules.join(', ')}`);
          occurrence++;
          nextCampaign = now + every;
        }
        if (events.length) await send(client, events, summary);
        if (now - lastReport >= 30_000 && !json) {
          info(style.dim(`${summary.accepted} events stored so far, ${occurrence} campaigns`));
          lastReport = now;
        }
      }
      if (json) printJson({ ...summary, campaigns: occurrence });
      else info(`stopped: ${summary.accepted} events stored, ${summary.rejected} rejected, ${occurrence} campaigns`);
      if (summary.rejected > 0) process.exitCode = 3;
    });
}
