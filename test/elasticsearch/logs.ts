/** Logs of the embedded node: the last lines of its console output, and forwarding new lines as they are written. */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

export function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
}

export function readTail(file: string, lines: number): string {
  try {
    return tail(readFileSync(file, 'utf8'), lines);
  } catch {
    return '(no console output)';
  }
}

/** Polls the console log and forwards complete lines to `log`. */
export function tailFile(file: string, log: (line: string) => void): () => void {
  let pos = 0;
  let partial = '';
  const buf = Buffer.alloc(64 * 1024);
  const pump = (flush: boolean) => {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return;
    }
    try {
      if (fstatSync(fd).size < pos) pos = 0;
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        partial += buf.toString('utf8', 0, n);
      }
    } finally {
      closeSync(fd);
    }
    const parts = partial.split('\n');
    partial = flush ? '' : (parts.pop() ?? '');
    for (const line of parts) if (line) log(line);
  };
  const timer = setInterval(() => pump(false), 200);
  timer.unref();
  return () => {
    clearInterval(timer);
    pump(true);
  };
}
