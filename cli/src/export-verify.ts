/**
 * Independent verification of a forensic export, following the manifest rules the service documents
 * (analytics-service/src/export/manifest.ts): SHA-256 of each file as stored; the export's SHA-256 is the SHA-256
 * of the SHA256SUMS text, one `<hex>  <name>\n` line per data file in name order. Events are also counted.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface ManifestFile {
  name: string;
  sha256: string;
  bytes: number;
  events: number;
}

export interface Manifest {
  id: string;
  status: string;
  description: string;
  created_by: string;
  created_at: string;
  completed_at?: string;
  compression: 'gzip' | 'none';
  event_count: number;
  files: ManifestFile[];
  sha256?: string;
  query: { from: string; to: string; filters: Record<string, string> };
  progress?: { events_total: number; events_written: number; percent: number };
  error?: string;
}

export interface FileResult {
  name: string;
  ok: boolean;
  sha256: string;
  bytes: number;
  events: number;
  problem?: string;
}

export interface VerifyResult {
  id: string;
  ok: boolean;
  source: string;
  sha256: string;
  files: FileResult[];
  problems: string[];
}

export function sumsText(files: ReadonlyArray<{ name: string; sha256: string }>): string {
  return [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.name}\n`)
    .join('');
}

/** Hashes the bytes as they come and counts the NDJSON lines inside (after gunzip for .gz). */
export async function measure(stream: AsyncIterable<Uint8Array>, gzip: boolean): Promise<{ sha256: string; bytes: number; events: number; problem?: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let events = 0;
  const raw = Readable.from(
    (async function* () {
      for await (const chunk of stream) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    })(),
  );
  let problem: string | undefined;
  const content = gzip ? raw.pipe(createGunzip()) : raw;
  try {
    for await (const chunk of content as AsyncIterable<Buffer>) for (const byte of chunk) if (byte === 10) events++;
  } catch (error) {
    problem = `content cannot be read: ${(error as Error).message}`;
    for await (const _ of raw) {
      // drain so the hash covers every byte
    }
  }
  return { sha256: hash.digest('hex'), bytes, events, ...(problem ? { problem } : {}) };
}

/** Compares measured files with the manifest. */
export function compare(manifest: Manifest, measured: Map<string, { sha256: string; bytes: number; events: number; problem?: string } | string>, source: string): VerifyResult {
  const problems: string[] = [];
  const files: FileResult[] = manifest.files.map((file) => {
    const m = measured.get(file.name);
    if (m === undefined || typeof m === 'string') {
      const problem = typeof m === 'string' ? m : 'missing';
      problems.push(`${file.name}: ${problem}`);
      return { name: file.name, ok: false, sha256: '', bytes: 0, events: 0, problem };
    }
    let problem = m.problem;
    if (!problem && m.sha256 !== file.sha256) problem = `SHA-256 differs (manifest ${file.sha256.slice(0, 16)}…, file ${m.sha256.slice(0, 16)}…): the file was changed`;
    else if (!problem && m.bytes !== file.bytes) problem = `size differs (manifest ${file.bytes}, file ${m.bytes})`;
    else if (!problem && m.events !== file.events) problem = `event count differs (manifest ${file.events}, file ${m.events})`;
    if (problem) problems.push(`${file.name}: ${problem}`);
    return { name: file.name, ok: !problem, sha256: m.sha256, bytes: m.bytes, events: m.events, ...(problem ? { problem } : {}) };
  });
  const sha256 = createHash('sha256').update(sumsText(files.map((f) => ({ name: f.name, sha256: f.sha256 })))).digest('hex');
  if (manifest.sha256 && sha256 !== manifest.sha256) problems.push(`export SHA-256 differs from the manifest (${manifest.sha256.slice(0, 16)}… vs ${sha256.slice(0, 16)}…)`);
  const total = files.reduce((n, f) => n + f.events, 0);
  if (total !== manifest.event_count) problems.push(`the files hold ${total} events; the manifest says ${manifest.event_count}`);
  return { id: manifest.id, ok: problems.length === 0, source, sha256, files, problems };
}

/** Verifies an export directory on this machine (a copy, or the service's AISEC_EXPORT_DIR/<id>). */
export async function verifyDirectory(dir: string, serverManifest?: Manifest): Promise<VerifyResult> {
  const local = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const manifest = serverManifest ?? local;
  const measured = new Map<string, { sha256: string; bytes: number; events: number; problem?: string } | string>();
  for (const file of manifest.files) {
    try {
      measured.set(file.name, await measure(createReadStream(join(dir, file.name)), file.name.endsWith('.gz')));
    } catch (error) {
      measured.set(file.name, `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  const result = compare(manifest, measured, dir);
  try {
    const sums = await readFile(join(dir, 'SHA256SUMS'), 'utf8');
    if (sums !== sumsText(manifest.files)) result.problems.push('SHA256SUMS differs from the manifest');
  } catch {
    result.problems.push('SHA256SUMS is missing');
  }
  if (serverManifest && JSON.stringify(sortKeys(local)) !== JSON.stringify(sortKeys(serverManifest))) {
    result.problems.push('manifest.json differs from the manifest the service holds');
  }
  result.ok = result.problems.length === 0;
  return result;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, sortKeys(v)]));
  return value;
}
