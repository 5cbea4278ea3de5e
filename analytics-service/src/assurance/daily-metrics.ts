/**
 * Writes the judge-assurance and guardrail-effectiveness series back to `<prefix>-metrics`, one document per
 * UTC day (and judge model or policy), so that Grafana alert rules can query them through Grafana's built-in
 * Elasticsearch datasource. Ids are stable: recomputing a day overwrites it.
 */
import { EsTiming } from '../elasticsearch/composite-pager.js';
import type { SearchReader } from '../elasticsearch/search-reader.js';
import { metricDocumentId, type MetricDocument, type MetricStore } from '../elasticsearch/metric-store.js';
import { measureGuardrailEffectiveness } from './guardrail-effectiveness.js';
import { dayString, judgeDrift, utcDay, type JudgeDay, type JudgeDriftSettings } from './judge-drift.js';
import { DAY_MS } from '../time/units.js';

export interface DailyMetricsReport {
  from: string;
  to: string;
  judge_days: number;
  guardrail_days: number;
  guardrail_policy_days: number;
  es_took_ms: number;
}

export function judgeMetricDocument(day: JudgeDay, computedAt: Date): { id: string; doc: MetricDocument } {
  const { date, timestamp, bins, ...fields } = day;
  return {
    id: metricDocumentId('judge_daily', day.judge_model, date),
    doc: { '@timestamp': timestamp, metric: 'judge_daily', value: day.mean_score, computed_at: computedAt.toISOString(), ...fields, values: { bins } },
  };
}

export async function writeDailyMetrics(
  deps: { reader: SearchReader; eventsIndex: string; metrics: MetricStore; judgeDrift: JudgeDriftSettings },
  range: { from: Date; to: Date },
  options: { refresh?: boolean } = {},
): Promise<DailyMetricsReport> {
  const timing = new EsTiming();
  const computedAt = new Date();
  const from = new Date(utcDay(range.from.getTime()));
  const to = new Date(utcDay(range.to.getTime() - 1) + DAY_MS);

  const judgeDays = await judgeDrift(deps.reader, deps.eventsIndex, { from, to }, deps.judgeDrift, timing);
  const documents = judgeDays.map((day) => judgeMetricDocument(day, computedAt));

  const guardrail = await measureGuardrailEffectiveness(deps.reader, deps.eventsIndex, { from, to, interval: '1d' }, timing);
  let guardrailDays = 0;
  let policyDays = 0;
  for (const bucket of guardrail.detailed_series) {
    if (bucket.total === 0) continue;
    const date = dayString(Date.parse(bucket.timestamp));
    const { by_policy, timestamp, ...counts } = bucket;
    documents.push({
      id: metricDocumentId('guardrail_daily', date),
      doc: { '@timestamp': timestamp, metric: 'guardrail_daily', value: counts.guardrail_pct ?? null, flagged: false, computed_at: computedAt.toISOString(), ...counts },
    });
    guardrailDays++;
    for (const policy of by_policy) {
      documents.push({
        id: metricDocumentId('guardrail_policy_daily', policy.policy, date),
        doc: { '@timestamp': timestamp, metric: 'guardrail_policy_daily', value: policy.guardrail_pct ?? null, flagged: false, computed_at: computedAt.toISOString(), ...policy },
      });
      policyDays++;
    }
  }
  await deps.metrics.putMany(documents, timing, options.refresh ? 'wait_for' : false);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    judge_days: judgeDays.length,
    guardrail_days: guardrailDays,
    guardrail_policy_days: policyDays,
    es_took_ms: timing.tookMs,
  };
}
