/**
 * Writes events as NDJSON files (optionally gzip), hashing the bytes on their way to disk, so the SHA-256 in the
 * manifest is of exactly what was stored. A new file is started every `eventsPerFile` events. Back-pressure from the
 * disk pauses the reader: nothing is buffered beyond the stream's high-water mark.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import type { AiSecurityEvent } from '../contract/event-schema.js';
import type { ExportFile } from './manifest.js';

export interface WriteFilesOptions {
  dir: string;
  gzip: boolean;
  eventsPerFile: number;
  /** called after every event written */
  onEvent?: (filesWritten: number) => void;
}

function fileName(index: number, gzip: boolean): string {
  return `events-${String(index).padStart(6, '0')}.ndjson${gzip ? '.gz' : ''}`;
}

class HashedFile {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private readonly out;
  private readonly gzip;
  events = 0;
  first?: string;
  last?: string;

  constructor(
    readonly name: string,
    path: string,
    compress: boolean,
  ) {
    this.out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.gzip = compress ? createGzip() : undefined;
    const sink = (chunk: Buffer) => {
      this.hash.update(chunk);
      this.bytes += chunk.length;
      if (!this.out.write(chunk)) this.gzip?.pause();
    };
    if (this.gzip) {
      this.gzip.on('data', sink);
      this.out.on('drain', () => this.gzip!.resume());
    }
  }

  async write(line: string, timestamp: string): Promise<void> {
    this.events++;
    this.first ??= timestamp;
    this.last = timestamp;
    const chunk = Buffer.from(line);
    if (this.gzip) {
      if (!this.gzip.write(chunk)) await once(this.gzip, 'drain');
    } else {
      this.hash.update(chunk);
      this.bytes += chunk.length;
      if (!this.out.write(chunk)) await once(this.out, 'drain');
    }
  }

  async close(): Promise<ExportFile> {
    if (this.gzip) {
      const ended = once(this.gzip, 'end');
      this.gzip.end();
      await ended;
    }
    const finished = once(this.out, 'finish');
    this.out.end();
    await finished;
    const file: ExportFile = { name: this.name, sha256: this.hash.digest('hex'), bytes: this.bytes, events: this.events };
    if (this.first) file.first_timestamp = this.first;
    if (this.last) file.last_timestamp = this.last;
    return file;
  }

  destroy(): void {
    this.gzip?.destroy();
    this.out.destroy();
  }
}

/** Writes every event of `events` into files in `dir`; at least one file, empty when there are no events. */
export async function writeEventFiles(events: AsyncIterable<AiSecurityEvent>, options: WriteFilesOptions): Promise<ExportFile[]> {
  const files: ExportFile[] = [];
  let current: HashedFile | undefined;
  const open = () => {
    const name = fileName(files.length + 1, options.gzip);
    return new HashedFile(name, join(options.dir, name), options.gzip);
  };
  try {
    for await (const event of events) {
      current ??= open();
      await current.write(`${JSON.stringify(event)}\n`, event.timestamp);
      options.onEvent?.(files.length);
      if (current.events >= options.eventsPerFile) {
        files.push(await current.close());
        current = undefined;
      }
    }
    if (current || files.length === 0) files.push(await (current ?? open()).close());
    current = undefined;
    return files;
  } finally {
    current?.destroy();
  }
}
