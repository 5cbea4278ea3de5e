/**
 * Reading the Numenta Anomaly Benchmark from its checkout (data CSVs, label windows) and writing results files in
 * the layout NAB's scorer reads: `<results>/<detector>/<category>/<detector>_<file>.csv` with the columns
 * timestamp,value,anomaly_score,label. NAB timestamps carry no zone; they are read as UTC, as NAB's own code does.
 */
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface NabSeries {
  /** path relative to `data/`, e.g. `realTweets/Twitter_volume_AAPL.csv` (NAB's key in the label files) */
  relativePath: string;
  /** the timestamps as written in the file, copied unchanged into the results file */
  stamps: string[];
  times: number[];
  values: number[];
}

export class NabInputError extends Error {}

const STAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;

export function parseStamp(stamp: string, where: string): number {
  const m = STAMP.exec(stamp.trim());
  if (!m) throw new NabInputError(`${where}: timestamp "${stamp}" is not "YYYY-MM-DD hh:mm:ss"`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export function parseSeries(relativePath: string, text: string): NabSeries {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== 'timestamp,value') throw new NabInputError(`${relativePath}: expected the header "timestamp,value"`);
  const series: NabSeries = { relativePath, stamps: [], times: [], values: [] };
  lines.slice(1).forEach((line, i) => {
    const [stamp = '', raw = ''] = line.split(',');
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new NabInputError(`${relativePath} line ${i + 2}: value "${raw}" is not a number`);
    const time = parseStamp(stamp, `${relativePath} line ${i + 2}`);
    series.stamps.push(stamp.trim());
    series.times.push(time);
    series.values.push(value);
  });
  return series;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/** Every series of the corpus, in a stable order (category, then file name). */
export async function readCorpus(nabDir: string): Promise<NabSeries[]> {
  const dataDir = join(nabDir, 'data');
  if (!(await isDirectory(dataDir)) || !(await isDirectory(join(nabDir, 'labels')))) {
    throw new NabInputError(`--nab ${nabDir}: not a NAB checkout (no data/ and labels/ directories)`);
  }
  const series: NabSeries[] = [];
  for (const category of (await readdir(dataDir)).sort()) {
    if (!(await isDirectory(join(dataDir, category)))) continue;
    for (const file of (await readdir(join(dataDir, category))).filter((f) => f.endsWith('.csv')).sort()) {
      const relativePath = `${category}/${file}`;
      series.push(parseSeries(relativePath, await readFile(join(dataDir, relativePath), 'utf8')));
    }
  }
  if (series.length === 0) throw new NabInputError(`--nab ${nabDir}: data/ holds no CSV series`);
  return series;
}

/** NAB's combined label windows: data path → [[start, end], …]. */
export async function readWindows(nabDir: string): Promise<Map<string, Array<[number, number]>>> {
  const path = join(nabDir, 'labels', 'combined_windows.json');
  const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, string[][]>;
  return new Map(Object.entries(raw).map(([file, windows]) => [file, windows.map(([a = '', b = '']) => [parseStamp(a, path), parseStamp(b, path)] as [number, number])]));
}

/** Writes one results file; `label` is 1 inside a label window (NAB's detect step writes the same column). */
export async function writeResults(resultsDir: string, detector: string, series: NabSeries, scores: number[], windows: Array<[number, number]>): Promise<void> {
  const [category, file] = series.relativePath.split('/') as [string, string];
  const path = join(resultsDir, detector, category, `${detector}_${file}`);
  const rows = series.times.map((t, i) => {
    const label = windows.some(([a, b]) => t >= a && t <= b) ? 1 : 0;
    return `${series.stamps[i]},${series.values[i]},${scores[i]!.toFixed(6)},${label}`;
  });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, ['timestamp,value,anomaly_score,label', ...rows, ''].join('\n'));
}
