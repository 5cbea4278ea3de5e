/**
 * External benchmark: the Numenta Anomaly Benchmark (numenta/NAB), scored by NAB's own code.
 *
 *   node --import tsx bench/nab.ts --nab /tmp/nab [--out /tmp/nab-ueba] [--python /tmp/nab-venv/bin/python]
 *        [--min-ratio 3] [--min-excess 10] [--min-score 60] [--min-history-days 14] [--min-active-hours 20]
 *        [--window-days 28] [--alerts episode|merged|record] [--rank score|probability]
 *        [--window hour|sliding (an experiment: the last 60 minutes, not the product's clock hour)] [--name uebaVolume]
 *        [--compare numenta,randomCutForest,windowedGaussian] [--no-score]
 *
 * Runs the `ueba_volume_spike` scorer (bench/nab/volume-detector.ts: the product's baseline builder and scorer,
 * imported) over every NAB series, writes NAB results files under <out>/results/<name>/, then runs
 * bench/nab/score.py: NAB's threshold optimisation (one threshold per profile for the whole corpus), scoring and
 * normalisation, for our detector and for the published detectors' own results files, on the corpus and on
 * realTweets apart. Threshold parameters not given are the rule's defaults (analytics-service/src/ueba/anomaly.ts).
 * Setup (NAB checkout, Python venv): docs/ueba.md, "External benchmark: NAB".
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { paramsFor, type UebaParams } from '../analytics-service/src/ueba/anomaly.js';
import { machine } from './detection-support.js';
import { NabInputError, readCorpus, readWindows, writeResults } from './nab/nab-files.js';
import { scoreSeries, type AlertMode, type RankMode } from './nab/volume-detector.js';
import { formatReport, type ScoringOutput } from './nab/report.js';

const here = dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    nab: { type: 'string' },
    out: { type: 'string', default: '/tmp/nab-ueba' },
    python: { type: 'string', default: '/tmp/nab-venv/bin/python' },
    name: { type: 'string', default: 'uebaVolume' },
    'min-ratio': { type: 'string' },
    'min-excess': { type: 'string' },
    'min-score': { type: 'string' },
    'min-history-days': { type: 'string' },
    'min-active-hours': { type: 'string' },
    'window-days': { type: 'string', default: '28' },
    alerts: { type: 'string', default: 'episode' },
    rank: { type: 'string', default: 'score' },
    // an experiment, not the product's rule: score the last 60 minutes instead of the clock hour
    window: { type: 'string', default: 'hour' },
    // published detectors rescored in the same run ("" for none: their figures do not change between runs)
    compare: { type: 'string', default: 'numenta,randomCutForest,windowedGaussian' },
    'no-score': { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  console.error(`nab benchmark: ${message}`);
  process.exit(2);
}

function numberArg(name: string, min: number, exclusiveMin = false): number | undefined {
  const raw = args[name as keyof typeof args];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < min || (exclusiveMin && value === min)) {
    fail(`--${name} must be a number ${exclusiveMin ? 'above' : 'of at least'} ${min} (got "${String(raw)}")`);
  }
  return value;
}

function scorerParams(): UebaParams {
  const overrides: Partial<UebaParams> = {};
  const set = (key: keyof UebaParams, value: number | undefined) => {
    if (value !== undefined) (overrides as Record<string, number>)[key] = value;
  };
  // observed must exceed expected: at a ratio of 1 the tail would be summed from 0 up to the expectation
  set('min_ratio', numberArg('min-ratio', 1, true));
  set('min_excess', numberArg('min-excess', 0));
  set('min_score', numberArg('min-score', 0));
  set('min_history_days', numberArg('min-history-days', 0));
  set('min_active_hours', numberArg('min-active-hours', 0));
  return paramsFor('volume_spike', overrides);
}

function runPython(python: string, argv: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.on('error', (error) => reject(new Error(`could not start ${python}: ${error.message} (see docs/ueba.md for the venv)`)));
    child.on('exit', (code) => (code === 0 ? resolvePromise(stdout) : reject(new Error(`NAB scoring (${python} bench/nab/score.py) exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  if (!args.nab) fail('--nab <dir> is required: a checkout of numenta/NAB (docs/ueba.md says how to get one)');
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(args.name!)) fail(`--name must be letters and digits (NAB splits file names on "_"; got "${args.name}")`);
  if (args.alerts !== 'episode' && args.alerts !== 'merged' && args.alerts !== 'record') fail(`--alerts must be "episode", "merged" or "record" (got "${args.alerts}")`);
  if (args.window !== 'hour' && args.window !== 'sliding') fail(`--window must be "hour" or "sliding" (got "${args.window}")`);
  if (args.rank !== 'score' && args.rank !== 'probability') fail(`--rank must be "score" or "probability" (got "${args.rank}")`);
  if (!/^[A-Za-z,]*$/.test(args.compare!)) fail(`--compare must be detector names separated by commas (got "${args.compare}")`);
  const params = scorerParams();
  const windowDays = numberArg('window-days', 1)!;
  const nabDir = resolve(args.nab);
  const out = resolve(args.out!);
  const resultsDir = join(out, 'results');

  const started = Date.now();
  const [series, windows] = await Promise.all([readCorpus(nabDir), readWindows(nabDir)]);
  await rm(join(resultsDir, args.name!), { recursive: true, force: true });
  for (const s of series) {
    const scores = scoreSeries(s, { params, windowDays, alerts: args.alerts as AlertMode, rank: args.rank as RankMode, window: args.window as 'hour' | 'sliding' });
    await writeResults(resultsDir, args.name!, s, scores, windows.get(s.relativePath) ?? []);
  }
  const detectSeconds = (Date.now() - started) / 1000;
  const run = {
    command: `node --import tsx bench/nab.ts ${process.argv.slice(2).join(' ')}`,
    params: {
      min_ratio: params.min_ratio,
      min_excess: params.min_excess,
      min_score: params.min_score,
      min_history_days: params.min_history_days,
      min_active_hours: params.min_active_hours,
      window_days: windowDays,
      alerts: args.alerts!,
      rank: args.rank!,
      window: args.window!,
    },
    series: series.length,
    records: series.reduce((n, s) => n + s.times.length, 0),
    detect_seconds: detectSeconds,
    machine: machine(),
  };
  console.log(`scored ${run.records} records of ${run.series} series in ${detectSeconds.toFixed(1)} s; results in ${join(resultsDir, args.name!)}`);
  if (args['no-score']) return;

  await mkdir(out, { recursive: true });
  const stdout = await runPython(args.python!, [join(here, 'nab', 'score.py'), '--nab', nabDir, '--work', out, '--detector', args.name!, '--compare', args.compare!]);
  const lines = stdout.trim().split('\n');
  const scoring = JSON.parse(lines[lines.length - 1]!) as ScoringOutput;
  const report = formatReport(args.name!, scoring, { ...run, machine: machine() });
  await writeFile(join(out, 'report.json'), JSON.stringify({ run, scoring }, null, 2));
  console.log(report);
}

main().catch((error: unknown) => {
  if (error instanceof NabInputError) fail(error.message);
  fail(error instanceof Error ? error.message : String(error));
});
