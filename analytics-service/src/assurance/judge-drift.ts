/**
 * Judge assurance series (seed 001 §6, seed 004 "Model Drift"): per judge model and day (in the detection
 * config's time zone), the day's scores assessed against the days before it by judge-drift-assessment.ts — the
 * same assessment the `judge_drift` rule and the Grafana query kind use, so the API, the dashboard and the alert
 * agree on every day.
 */
import type { EsTiming } from '../elasticsearch/composite-pager.js';
import type { SearchReader } from '../elasticsearch/search-reader.js';
import { DAY_MS } from '../time/units.js';
import { localDate, localDayStart } from '../time/zone-calendar.js';
import { assessJudgeDays, type JudgeDayAssessment, type JudgeDayStats, type JudgeDriftFlag, type JudgeDriftSettings } from './judge-drift-assessment.js';

export type { JudgeDriftFlag, JudgeDriftSettings };

/** The `judge_drift` rule's defaults (config/detection.yaml), for callers without a catalogue. */
export const DEFAULT_JUDGE_DRIFT: JudgeDriftSettings = {
  timeZone: 'UTC',
  trailingDays: 7,
  minTrailingDays: 3,
  minEventsPerDay: 10,
  maxAbsDiff: 0.15,
  alpha: 0.001,
  minPsi: 0.1,
  minReviewed: 10,
  minAgreement: 0.8,
};

export interface JudgeDay extends Omit<JudgeDayAssessment, 'day' | 'mean'> {
  /** local day, YYYY-MM-DD */
  date: string;
  /** start of the day */
  timestamp: string;
  judge_model: string;
  mean_score: number;
  /** any flag */
  flagged: boolean;
}

export const utcDay = (epochMs: number) => Math.floor(epochMs / DAY_MS) * DAY_MS;
export const dayString = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

/** Where reading must start so that the first day of [from, …) has its whole reference. */
export function judgeReadStart(from: number, settings: JudgeDriftSettings): number {
  return localDayStart(localDayStart(from, settings.timeZone) - settings.trailingDays * DAY_MS - DAY_MS / 2, settings.timeZone);
}

/** The assessed days of every model whose start lies in [from, to). Pure. */
export function judgeDaySeries(byModel: ReadonlyMap<string, JudgeDayStats[]>, from: number, to: number, settings: JudgeDriftSettings): JudgeDay[] {
  const firstDay = localDayStart(from, settings.timeZone);
  const series: JudgeDay[] = [];
  for (const [model, stats] of byModel) {
    for (const { day, mean, ...rest } of assessJudgeDays(stats, firstDay, to, settings)) {
      series.push({
        date: localDate(day, settings.timeZone),
        timestamp: new Date(day).toISOString(),
        judge_model: model,
        mean_score: mean,
        ...rest,
        flagged: rest.flags.length > 0,
      });
    }
  }
  return series;
}

export async function judgeDrift(
  reader: Pick<SearchReader, 'judgeDays'>,
  eventsIndex: string,
  range: { from: Date; to: Date; judgeModel?: string },
  settings: JudgeDriftSettings = DEFAULT_JUDGE_DRIFT,
  timing?: EsTiming,
): Promise<JudgeDay[]> {
  const from = range.from.getTime();
  const to = range.to.getTime();
  const byModel = await reader.judgeDays(
    {
      index: eventsIndex,
      filter: [
        { range: { '@timestamp': { gte: judgeReadStart(from, settings), lt: to, format: 'epoch_millis' } } },
        { term: { category: 'judge_flag' } },
      ],
      timeZone: settings.timeZone,
      ...(range.judgeModel !== undefined ? { judgeModels: [range.judgeModel] } : {}),
    },
    timing,
  );
  return judgeDaySeries(byModel, from, to, settings);
}
