/** The benchmark's Markdown table from NAB's scoring output (bench/nab/score.py). */
export const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;
type Profile = (typeof PROFILES)[number];

interface DetectorScores {
  normalized: Record<Profile, number>;
  raw: Record<Profile, { Score: number; TP: number; FP: number; FN: number }>;
}

export interface ScoringOutput {
  thresholds: Record<string, Record<Profile, { threshold: number; score: number }>>;
  corpus: Record<string, DetectorScores>;
  realTweets: Record<string, DetectorScores>;
  /** standard profile, normalized over each category's files */
  by_category: Record<string, Record<string, number>>;
}

export interface RunFacts {
  command: string;
  params: Record<string, number | string>;
  series: number;
  records: number;
  detect_seconds: number;
  machine: Record<string, string>;
}

const LABELS: Record<string, string> = {
  numenta: 'Numenta HTM (published results)',
  randomCutForest: 'Random Cut Forest (published results)',
  windowedGaussian: 'windowed Gaussian (published results)',
};

export function formatReport(ours: string, scoring: ScoringOutput, run: RunFacts): string {
  const names = [ours, ...Object.keys(scoring.corpus).filter((d) => d !== ours)];
  const cell = (d: DetectorScores | undefined, p: Profile) => (d ? d.normalized[p].toFixed(1) : '–');
  const categories = Object.keys(scoring.by_category[ours] ?? {});
  const rows = names.map((name) => {
    const label = name === ours ? `${ours}: ueba_volume_spike scorer (this run)` : (LABELS[name] ?? name);
    const c = scoring.corpus[name];
    const t = scoring.realTweets[name];
    const threshold = scoring.thresholds[name]?.standard.threshold;
    return `| ${label} | ${PROFILES.map((p) => cell(c, p)).join(' | ')} | ${PROFILES.map((p) => cell(t, p)).join(' | ')} | ${threshold === undefined ? '–' : threshold.toFixed(4)} |`;
  });
  return [
    `NAB scores (normalized: null detector 0, perfect 100), ${run.records} records in ${run.series} series; parameters ${JSON.stringify(run.params)}`,
    '',
    '| detector | corpus standard | corpus low FP | corpus low FN | realTweets standard | realTweets low FP | realTweets low FN | standard threshold |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Standard profile by category (normalized over the category\'s files, corpus thresholds):',
    '',
    `| detector | ${categories.join(' | ')} |`,
    `|---|${categories.map(() => '---').join('|')}|`,
    ...names.map((name) => `| ${name} | ${categories.map((c) => scoring.by_category[name]?.[c]?.toFixed(1) ?? '–').join(' | ')} |`),
    '',
    `command: ${run.command}`,
    `detection ${run.detect_seconds.toFixed(1)} s; machine: ${Object.entries(run.machine).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ].join('\n');
}
