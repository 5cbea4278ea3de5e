/** aisec export create | list | show | download | verify — forensic exports (seed 000 "Evidence Preservation"). */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import { CliError, type AisecClient } from '../client.js';
import { compare, measure, verifyDirectory, type Manifest, type VerifyResult } from '../export-verify.js';
import { info, printJson, shortTime, style, table } from '../output.js';
import { progressBar } from '../progress.js';
import { addEventFilters, contextOf, eventFilterQuery, sleep } from './context.js';

function describe(m: Manifest): string {
  const lines = [
    `${style.bold(m.id)}  ${m.status === 'completed' ? style.green(m.status) : m.status === 'failed' ? style.red(m.status) : style.yellow(m.status)}`,
    `description ${m.description}`,
    `created     ${shortTime(m.created_at)} by ${m.created_by}`,
    `range       ${shortTime(m.query.from)} → ${shortTime(m.query.to)}${Object.keys(m.query.filters).length ? ` where ${Object.entries(m.query.filters).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`,
    `events      ${m.event_count} in ${m.files.length} file(s), ${m.compression}`,
    ...(m.sha256 ? [`sha256      ${m.sha256}`] : []),
    ...m.files.map((f) => `  ${f.sha256}  ${f.name}  ${style.dim(`${f.events} events, ${f.bytes} bytes`)}`),
    ...(m.error ? [`error       ${style.red(m.error)}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

async function waitForExport(client: AisecClient, manifest: Manifest, showProgress: boolean): Promise<Manifest> {
  const bar = progressBar('export', Math.max(1, manifest.progress?.events_total ?? 1), '{bar} {percentage}% | {value}/{total} events', showProgress);
  let current = manifest;
  while (current.status === 'running') {
    await sleep(500);
    current = await client.request<Manifest>('GET', `/v1/exports/${current.id}`, { role: 'read' });
    if (current.progress) {
      bar.setTotal(Math.max(1, current.progress.events_total));
      bar.update(current.progress.events_written);
    }
  }
  bar.update(current.event_count);
  bar.stop();
  return current;
}

async function verifyRemote(client: AisecClient, id: string, showProgress: boolean): Promise<VerifyResult> {
  const manifest = await client.request<Manifest>('GET', `/v1/exports/${id}`, { role: 'read' });
  if (manifest.status !== 'completed') throw new CliError(`export ${id} is ${manifest.status}: nothing to verify${manifest.error ? ` (${manifest.error})` : ''}`, 3);
  const bar = progressBar('verify', manifest.files.length, '{bar} {value}/{total} files', showProgress);
  const measured = new Map<string, Awaited<ReturnType<typeof measure>> | string>();
  for (const file of manifest.files) {
    try {
      const response = await client.send('GET', `/v1/exports/${id}/files/${encodeURIComponent(file.name)}`, { role: 'read', headers: { accept: '*/*' } });
      measured.set(file.name, await measure(response.body as unknown as AsyncIterable<Uint8Array>, file.name.endsWith('.gz')));
    } catch (error) {
      measured.set(file.name, (error as Error).message);
    }
    bar.update(measured.size);
  }
  bar.stop();
  return compare(manifest, measured, `${client.baseUrl}/v1/exports/${id}`);
}

function report(result: VerifyResult, json: boolean): void {
  if (json) printJson(result);
  else {
    for (const f of result.files) process.stdout.write(`${f.ok ? style.green('OK  ') : style.red('FAIL')}  ${f.name}  ${style.dim(f.sha256)}${f.problem ? `  ${style.red(f.problem)}` : ''}\n`);
    for (const p of result.problems.filter((p) => !result.files.some((f) => p.startsWith(`${f.name}:`)))) process.stdout.write(`${style.red('FAIL')}  ${p}\n`);
    info(result.ok ? style.green(`export ${result.id} verified: every hash matches the manifest (sha256 ${result.sha256})`) : style.red(`export ${result.id} FAILED verification: ${result.problems.length} problem(s)`));
  }
  if (!result.ok) process.exitCode = 3;
}

export function registerExports(program: Command): void {
  const exports = program.command('export').description('forensic exports: immutable NDJSON files with a SHA-256 manifest');

  addEventFilters(
    exports
      .command('create')
      .description('export the events of a range (admin key); waits and shows progress unless --no-wait')
      .requiredOption('--description <text>', 'why: e.g. "Forensic preservation - IR-2026-042 - DO NOT DELETE"')
      .option('--since <duration>', 'look-back window on event time, e.g. 48h or 90d')
      .option('--from <iso>', 'event time from (instead of --since)')
      .option('--to <iso>', 'event time to (default: now)')
      .option('--type <type>', 'what to export (events)', 'events')
      .option('--format <format>', 'ndjson (json is accepted as a synonym: one JSON object per line)', 'ndjson')
      .option('--no-gzip', 'write plain NDJSON instead of gzip')
      .option('--requested-by <name>', 'who asked for the export (recorded in the manifest)')
      .option('--no-wait', 'return at once with the export id'),
  ).action(async (options: Record<string, unknown>, command: Command) => {
    const { client, json } = contextOf(command);
    if (options.type !== 'events') throw new CliError('--type: only events can be exported', 2);
    if (options.format !== 'ndjson' && options.format !== 'json') throw new CliError('--format must be ndjson (or json)', 2);
    if (!options.since && !options.from) throw new CliError('give a range: --since 48h, or --from (and --to)', 2);
    const filters = Object.fromEntries(Object.entries(eventFilterQuery(options)).filter(([, v]) => v !== undefined));
    const body = {
      description: options.description,
      ...(options.since ? { since: options.since } : {}),
      ...(options.from ? { from: new Date(options.from as string).toISOString() } : {}),
      ...(options.to ? { to: new Date(options.to as string).toISOString() } : {}),
      ...(Object.keys(filters).length ? { filters } : {}),
      ...(options.requestedBy ? { requested_by: options.requestedBy } : {}),
      compression: options.gzip === false ? 'none' : 'gzip',
      wait: false,
    };
    let manifest = await client.request<Manifest>('POST', '/v1/exports', { body, role: 'admin' });
    if (options.wait !== false) manifest = await waitForExport(client, manifest, !json && process.stderr.isTTY === true);
    if (json) printJson(manifest);
    else process.stdout.write(describe(manifest));
    if (manifest.status === 'failed') throw new CliError(`export ${manifest.id} failed: ${manifest.error ?? 'unknown error'}`);
  });

  exports
    .command('list')
    .description('exports, newest first')
    .option('--limit <n>', 'exports to show', '50')
    .option('--format <format>', 'table or json', 'table')
    .action(async (options: { limit: string; format: string }, command: Command) => {
      const { client, json } = contextOf(command);
      const page = await client.request<{ exports: Manifest[]; total: number }>('GET', '/v1/exports', { query: { limit: options.limit }, role: 'read' });
      if (json || options.format === 'json') return printJson(page);
      if (page.exports.length === 0) return info('no exports yet: `aisec export create --since 24h --description "..."`');
      process.stdout.write(
        table(
          ['id', 'status', 'created', 'events', 'files', 'sha256', 'description'],
          page.exports.map((m) => [m.id, m.status, shortTime(m.created_at), String(m.event_count), String(m.files.length), m.sha256 ? `${m.sha256.slice(0, 16)}…` : '-', m.description]),
        ),
      );
    });

  exports
    .command('show <id>')
    .description('the manifest of one export, or its progress')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const manifest = await client.request<Manifest>('GET', `/v1/exports/${id}`, { role: 'read' });
      if (json) printJson(manifest);
      else process.stdout.write(describe(manifest));
    });

  exports
    .command('download <id>')
    .description('download every file of an export, its manifest.json and SHA256SUMS into <out>/<id>/, then verify the copy')
    .option('--out <dir>', 'parent directory', '.')
    .action(async (id: string, options: { out: string }, command: Command) => {
      const { client, json } = contextOf(command);
      const manifest = await client.request<Manifest>('GET', `/v1/exports/${id}`, { role: 'read' });
      if (manifest.status !== 'completed') throw new CliError(`export ${id} is ${manifest.status}; download it once completed`);
      const dir = resolve(options.out, id);
      await mkdir(dir, { recursive: true });
      for (const name of [...manifest.files.map((f) => f.name), 'manifest.json', 'SHA256SUMS']) {
        const response = await client.send('GET', `/v1/exports/${id}/files/${encodeURIComponent(name)}`, { role: 'read', headers: { accept: '*/*' } });
        await pipeline(Readable.fromWeb(response.body as ReadableStream), createWriteStream(join(dir, name), { flags: 'wx' }));
      }
      const result = await verifyDirectory(dir, manifest);
      if (!json) info(`downloaded ${manifest.files.length} file(s) to ${dir}`);
      report(result, json);
    });

  exports
    .command('verify <idOrDir>')
    .description('recompute every SHA-256 and compare with the manifest: an export id (files downloaded from the service) or a directory (a copy, or AISEC_EXPORT_DIR/<id>)')
    .action(async (target: string, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const isDir = await stat(target).then((s) => s.isDirectory(), () => false);
      if (!isDir) {
        if (!/^exp-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$/.test(target)) throw new CliError(`"${target}" is neither a directory nor an export id (exp-YYYYMMDD-HHMMSS-xxxxxxxx)`, 2);
        return report(await verifyRemote(client, target, !json && process.stderr.isTTY === true), json);
      }
      let serverManifest: Manifest | undefined;
      try {
        const local = JSON.parse(await readFile(join(target, 'manifest.json'), 'utf8')) as Manifest;
        serverManifest = await client.request<Manifest>('GET', `/v1/exports/${local.id}`, { role: 'read' });
      } catch (error) {
        if (!json) info(style.yellow(`checking against ${join(target, 'manifest.json')} only (the service's copy of the manifest is not available: ${(error as Error).message.split('. ')[0]})`));
      }
      report(await verifyDirectory(target, serverManifest), json);
    });

}
