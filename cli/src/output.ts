/** Terminal output: severity colours, aligned tables, JSON for scripts. Colours follow NO_COLOR / --no-color / TTY. */
import { stripVTControlCharacters } from 'node:util';
import pc from 'picocolors';

let colour = pc.isColorSupported;
export function setColour(enabled: boolean): void {
  colour = enabled && pc.isColorSupported;
}
const paint = (fn: (s: string) => string) => (s: string) => (colour ? fn(s) : s);

export const style = {
  dim: paint(pc.dim),
  bold: paint(pc.bold),
  green: paint(pc.green),
  red: paint(pc.red),
  yellow: paint(pc.yellow),
  cyan: paint(pc.cyan),
};

const SEVERITY_STYLE: Record<string, (s: string) => string> = {
  critical: paint((s) => pc.bold(pc.white(pc.bgRed(s)))),
  high: paint((s) => pc.bold(pc.red(s))),
  medium: paint(pc.yellow),
  low: paint(pc.cyan),
  info: paint(pc.dim),
};

export function severity(value: string | undefined, width = 8): string {
  const text = (value ?? '-').padEnd(width);
  return (value && SEVERITY_STYLE[value]?.(text)) ?? text;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Plain columns; a cell's colour codes do not count towards its width. */
export function table(headers: string[], rows: string[][]): string {
  const visible = (s: string) => stripVTControlCharacters(s).length;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c)))).join('  ');
  return [style.bold(line(headers)), ...rows.map(line)].join('\n') + '\n';
}

export function shortTime(iso: string | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}
