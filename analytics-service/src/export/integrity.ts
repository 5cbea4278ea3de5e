/**
 * Hashes and verification of export files. `aisec export verify` implements the same rules independently
 * (cli/src/export-verify.ts), so an export can be checked without trusting the service that wrote it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { MANIFEST_FILE, SUMS_FILE, type ExportFile, type ExportManifest } from './manifest.js';

export async function sha256OfFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The SHA256SUMS text: `<hex>  <name>` per file, by name (the format `sha256sum -c` reads). */
export function sha256Sums(files: ReadonlyArray<Pick<ExportFile, 'name' | 'sha256'>>): string {
  return [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.name}\n`)
    .join('');
}

export function exportDigest(files: ReadonlyArray<Pick<ExportFile, 'name' | 'sha256'>>): string {
  return createHash('sha256').update(sha256Sums(files)).digest('hex');
}

export interface FileCheck {
  name: string;
  expected_sha256: string;
  actual_sha256?: string;
  expected_bytes: number;
  actual_bytes?: number;
  ok: boolean;
  problem?: string;
}

export interface VerificationReport {
  id: string;
  ok: boolean;
  checked_at: string;
  /** the export-level digest recomputed from the files' hashes */
  sha256?: string;
  files: FileCheck[];
  problems: string[];
}

/**
 * Recomputes every file's SHA-256 in `dir` and compares it with `manifest` (the copy in Elasticsearch);
 * also checks the manifest.json and SHA256SUMS stored beside the files against it.
 */
export async function verifyExportDirectory(dir: string, manifest: ExportManifest): Promise<VerificationReport> {
  const problems: string[] = [];
  const files: FileCheck[] = [];
  for (const file of manifest.files) {
    const check: FileCheck = { name: file.name, expected_sha256: file.sha256, expected_bytes: file.bytes, ok: false };
    try {
      const actual = await sha256OfFile(join(dir, file.name));
      check.actual_sha256 = actual.sha256;
      check.actual_bytes = actual.bytes;
      check.ok = actual.sha256 === file.sha256 && actual.bytes === file.bytes;
      if (!check.ok) check.problem = actual.sha256 !== file.sha256 ? 'SHA-256 differs: the file was changed' : 'size differs';
    } catch (error) {
      check.problem = `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    }
    if (!check.ok) problems.push(`${file.name}: ${check.problem}`);
    files.push(check);
  }
  const digest = exportDigest(files.map((f) => ({ name: f.name, sha256: f.actual_sha256 ?? '' })));
  if (manifest.sha256 && digest !== manifest.sha256) problems.push('export SHA-256 differs from the manifest');
  try {
    const stored = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as unknown;
    if (!isDeepStrictEqual(stored, manifest)) problems.push(`${MANIFEST_FILE} beside the files differs from the manifest in Elasticsearch`);
  } catch (error) {
    problems.push(`${MANIFEST_FILE}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    if ((await readFile(join(dir, SUMS_FILE), 'utf8')) !== sha256Sums(manifest.files)) problems.push(`${SUMS_FILE} differs from the manifest`);
  } catch (error) {
    problems.push(`${SUMS_FILE}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { id: manifest.id, ok: problems.length === 0, checked_at: new Date().toISOString(), sha256: digest, files, problems };
}
