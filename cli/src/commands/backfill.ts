/**
 * aisec backfill FILE… — load NDJSON files (gzip or plain, `-` for stdin) through POST /v1/events in batches.
 * Follows the ingest contract: 503/429 with Retry-After → wait and resend the whole batch (events already stored come
 * back as duplicates, never stored twice); 413 → split the batch. Rejected events are reported by file and line.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { ApiError, CliError, type AisecClient } from '../client.js';
import { info, printJson, style } from '../output.js';
import { progressBar } from '../progress.js';
import { contextOf, sleep } from './context.js';

interface IngestResult {
  accepted: number;
  rejected: number;
  duplicates: number;
  errors: Array<{ index: number; field?: string; message: string }>;
  errors_omitted?: number;
}

interface Line {
  file: string;
  line: number;
  text: string;
}

export interface BackfillSummary {
  files: number;
  lines: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  batches: number;
  retries: number;
  rejects: Array<{ file: string; line: number; field?: string; message: string }>;
}

const MAX_LISTED_REJECTS = 20;

/** Opens a file (or stdin), un-gzipping when it starts with the gzip magic bytes; `read` counts raw bytes. */
async function openLines(path: string, onBytes: (n: number) => void): Promise<AsyncIterable<string>> {
  const raw: Readable = path === '-' ? process.stdin : createReadStream(path);
  const counted = new PassThrough();
  raw.on('data', (chunk: Buffer) => onBytes(chunk.length));
  raw.on('error', (error) => counted.destroy(error));
  raw.pipe(counted);
  const first = await new Promise<Buffer | null>((resolve, reject) => {
    counted.once('readable', () => resolve(counted.read(2) as Buffer | null));
    counted.once('error', reject);
    counted.once('end', () => resolve(null));
  });
  if (first) counted.unshift(first);
  const gzip = first !== null && first[0] === 0x1f && first[1] === 0x8b;
  return createInterface({ input: gzip ? counted.pipe(createGunzip()) : counted, crlfDelay: Infinity });
}

export async function sendBatch(client: AisecClient, batch: Line[], summary: BackfillSummary, maxRetries: number, onRejected: (line: Line, error: IngestResult['errors'][number]) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await client.fetch('/v1/events', {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', accept: 'application/json' },
        body: batch.map((l) => l.text).join('\n') + '\n',
        role: 'ingest',
      });
      if (response.status === 413 && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await sendBatch(client, batch.slice(0, half), summary, maxRetries, onRejected);
        await sendBatch(client, batch.slice(half), summary, maxRetries, onRejected);
        return;
      }
      const body = (await response.clone().json().catch(() => undefined)) as IngestResult | undefined;
      if ((response.ok || response.status === 400) && body && typeof body.accepted === 'number') {
        summary.batches++;
        summary.accepted += body.accepted;
        summary.duplicates += body.duplicates;
        summary.rejected += body.rejected;
        const byIndex = new Map<number, IngestResult['errors']>();
        for (const error of body.errors) byIndex.set(error.index, [...(byIndex.get(error.index) ?? []), error]);
        for (const [index, errors] of byIndex) for (const error of errors) onRejected(batch[index]!, error);
        return;
      }
      throw await client.problem(response, 'ingest');
    } catch (error) {
      const retryable = error instanceof ApiError ? error.status === 503 || error.status === 429 : error instanceof CliError;
      if (!retryable || attempt >= maxRetries) throw error;
      const wait = error instanceof ApiError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : Math.min(30_000, 1000 * 2 ** attempt);
      summary.retries++;
      info(style.yellow(`batch of ${batch.length} not stored (${(error as Error).message.split('. ')[0]}); retrying in ${Math.round(wait / 1000)} s`));
      await sleep(wait);
    }
  }
}

export async function backfill(client: AisecClient, files: string[], options: { batch: number; maxRetries: number; errorsFile?: string; progress: boolean }): Promise<BackfillSummary> {
  const summary: BackfillSummary = { files: files.length, lines: 0, accepted: 0, duplicates: 0, rejected: 0, batches: 0, retries: 0, rejects: [] };
  let totalBytes = 0;
  for (const file of files) if (file !== '-') totalBytes += (await stat(file).catch(() => { throw new CliError(`cannot read ${file}: no such file`, 2); })).size;
  const bar = progressBar('backfill', Math.max(1, totalBytes), '{bar} {percentage}% | {lines} lines | {accepted} stored, {duplicates} duplicates, {rejected} rejected', options.progress);
  let read = 0;
  const errorsOut: WriteStream | undefined = options.errorsFile ? createWriteStream(options.errorsFile) : undefined;
  const onRejected = (line: Line, error: IngestResult['errors'][number]) => {
    if (summary.rejects.length < MAX_LISTED_REJECTS) summary.rejects.push({ file: line.file, line: line.line, ...(error.field ? { field: error.field } : {}), message: error.message });
    errorsOut?.write(`${JSON.stringify({ file: line.file, line: line.line, field: error.field, message: error.message, event: line.text })}\n`);
  };
  const tick = () => bar.update(read, { lines: summary.lines, accepted: summary.accepted, duplicates: summary.duplicates, rejected: summary.rejected });
  let batch: Line[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    batchBytes = 0;
    await sendBatch(client, current, summary, options.maxRetries, onRejected);
    tick();
  };
  try {
    for (const file of files) {
      let lineNumber = 0;
      for await (const text of await openLines(file, (n) => (read += n))) {
        lineNumber++;
        if (text.trim() === '') continue;
        summary.lines++;
        batch.push({ file, line: lineNumber, text });
        batchBytes += text.length + 1;
        // stay well under the service's default 10 MB body limit
        if (batch.length >= options.batch || batchBytes >= 4 * 1024 * 1024) await flush();
      }
    }
    await flush();
  } finally {
    bar.stop();
    if (errorsOut) await new Promise((resolve) => errorsOut.end(resolve));
  }
  return summary;
}

export function registerBackfill(program: Command): void {
  program
    .command('backfill <files...>')
    .description('load NDJSON event files (gzip ok, "-" for stdin) through the ingest API in batches, with progress and a summary of rejects (ingest key)')
    .option('--batch <n>', 'events per request', '1000')
    .option('--max-retries <n>', 'retries of a batch on 503/429 or a lost connection', '10')
    .option('--errors-file <path>', 'write every rejected line, with its errors, as NDJSON')
    .action(async (files: string[], options: { batch: string; maxRetries: string; errorsFile?: string }, command: Command) => {
      const { client, json } = contextOf(command);
      const batch = Number(options.batch);
      if (!Number.isInteger(batch) || batch < 1 || batch > 50_000) throw new CliError('--batch must be a whole number from 1 to 50000', 2);
      const summary = await backfill(client, files, { batch, maxRetries: Number(options.maxRetries), ...(options.errorsFile ? { errorsFile: options.errorsFile } : {}), progress: !json && process.stderr.isTTY === true });
      if (json) printJson(summary);
      else {
        info(
          `${summary.lines} events read from ${summary.files} file(s): ${style.green(`${summary.accepted} stored`)}, ${summary.duplicates} already stored, ` +
            `${summary.rejected ? style.red(`${summary.rejected} rejected`) : '0 rejected'} (${summary.batches} requests, ${summary.retries} retries)`,
        );
        for (const r of summary.rejects) info(`  ${r.file}:${r.line}${r.field ? ` ${r.field}` : ''}: ${r.message}`);
        if (summary.rejected > summary.rejects.length) info(`  … ${summary.rejected - summary.rejects.length} more${options.errorsFile ? ` in ${options.errorsFile}` : ' (use --errors-file to keep them all)'}`);
      }
      if (summary.rejected > 0) process.exitCode = 3;
    });
}
