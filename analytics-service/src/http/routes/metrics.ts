/**
 * Assurance metrics.
 * GET  /v1/metrics/judge-drift                — daily judge score series with drift flags (role: read)
 * GET  /v1/metrics/guardrail-effectiveness    — guardrail-caught vs judge-caught-after-pass (role: read)
 * POST /v1/metrics/rebuild                    — rewrite the daily metrics documents for a range (role: admin)
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { intervalMs, measureGuardrailEffectiveness } from '../../assurance/guardrail-effectiveness.js';
import { judgeDrift } from '../../assurance/judge-drift.js';
import { SearchReader } from '../../elasticsearch/search-reader.js';
import { ErrorResponse, ExactValue, IsoDate, Since } from '../schemas/common.js';
import { RangeError400, resolveRange } from '../time-range.js';
import { DAY_MS } from '../../time/units.js';

const RangeQuery = {
  since: Type.Optional(Since),
  from: Type.Optional(IsoDate),
  to: Type.Optional(IsoDate),
};

const JudgeDaySchema = Type.Object({
  date: Type.String({ description: 'day in the detection config\'s time zone (judge_drift rule), YYYY-MM-DD' }),
  timestamp: Type.String({ description: 'start of the day' }),
  judge_model: Type.String(),
  count: Type.Integer({ description: 'judge_flag events with a judge_score that day' }),
  mean_score: Type.Number(),
  trailing_mean: Type.Optional(Type.Number({ description: 'mean of the daily means of the reference days: the trailing_days days before this one with min_events_per_day scores (seed 001 §6); absent without min_trailing_days of them' })),
  trailing_days: Type.Integer({ description: 'reference days used' }),
  reference_count: Type.Integer({ description: 'scores on the reference days' }),
  abs_diff: Type.Optional(Type.Number({ description: '|mean_score − trailing_mean|; mean_shift needs it over max_abs_diff (0.15)' })),
  mean_shift_p: Type.Optional(Type.Number({ description: "Welch's t-test of the day's scores against the reference's; mean_shift needs it under alpha (0.001)" })),
  psi: Type.Optional(Type.Number({ description: 'PSI of the day against the reference on fixed 0.1 bins; distribution_shift needs it ≥ min_psi (0.1)' })),
  distribution_p: Type.Optional(Type.Number({ description: 'G-test of the two histograms; distribution_shift needs it under alpha' })),
  reviewed: Type.Integer({ description: 'events with a human_verdict' }),
  agreed: Type.Integer({ description: 'reviews that agreed with the judge' }),
  agreement: Type.Optional(Type.Number({ description: 'agreed / reviewed' })),
  bins: Type.Array(Type.Integer(), { description: 'scores per bin [0,0.1) … [0.9,1.0]' }),
  flags: Type.Array(Type.Union([Type.Literal('mean_shift'), Type.Literal('distribution_shift'), Type.Literal('low_agreement')])),
  flagged: Type.Boolean({ description: 'any flag: the judge_drift rule raises an alert for exactly these days' }),
});

const JudgeDriftResponse = Type.Object(
  {
    from: Type.String(),
    to: Type.String(),
    settings: Type.Object(
      {
        time_zone: Type.String(),
        trailing_days: Type.Integer(),
        min_trailing_days: Type.Integer(),
        min_events_per_day: Type.Integer(),
        max_abs_diff: Type.Number(),
        alpha: Type.Number(),
        min_psi: Type.Number(),
      },
      { description: "the judge_drift rule's configured parameters (config/detection.yaml), used here as by the rule" },
    ),
    series: Type.Array(JudgeDaySchema),
  },
  {
    examples: [
      {
        from: '2026-01-26T00:00:00.000Z',
        to: '2026-02-02T00:00:00.000Z',
        settings: { time_zone: 'UTC', trailing_days: 7, min_trailing_days: 3, min_events_per_day: 10, max_abs_diff: 0.15, alpha: 0.001, min_psi: 0.1 },
        series: [
          {
            date: '2026-02-01',
            timestamp: '2026-02-01T00:00:00.000Z',
            judge_model: 'gpt-4o',
            count: 312,
            mean_score: 0.64,
            trailing_mean: 0.82,
            trailing_days: 7,
            abs_diff: 0.18,
            reference_count: 2190,
            mean_shift_p: 1.2e-31,
            psi: 0.61,
            distribution_p: 3.4e-40,
            reviewed: 25,
            agreed: 16,
            agreement: 0.64,
            bins: [0, 0, 2, 10, 31, 60, 101, 70, 30, 8],
            flags: ['mean_shift', 'distribution_shift', 'low_agreement'],
            flagged: true,
          },
        ],
      },
    ],
  },
);

const Counts = {
  guardrail_caught: Type.Integer({ description: 'guardrail_block events' }),
  judge_caught: Type.Integer({ description: 'judge_flag events the guardrail had passed (guardrail gaps)' }),
  total: Type.Integer(),
  guardrail_pct: Type.Optional(Type.Number({ description: 'round(guardrail_caught / total × 100, 1); absent when total is 0' })),
  judge_pct: Type.Optional(Type.Number()),
};

const GuardrailResponse = Type.Object(
  {
    from: Type.String(),
    to: Type.String(),
    interval: Type.String(),
    overall: Type.Object(Counts),
    by_policy: Type.Array(Type.Object({ policy: Type.String({ description: 'policy_violated, or "(unspecified)"' }), ...Counts })),
    series: Type.Array(Type.Object({ timestamp: Type.String(), ...Counts })),
  },
  {
    examples: [
      {
        from: '2026-01-26T00:00:00.000Z',
        to: '2026-02-02T00:00:00.000Z',
        interval: '1d',
        overall: { guardrail_caught: 412, judge_caught: 38, total: 450, guardrail_pct: 91.6, judge_pct: 8.4 },
        by_policy: [{ policy: 'pii', guardrail_caught: 300, judge_caught: 5, total: 305, guardrail_pct: 98.4, judge_pct: 1.6 }],
        series: [{ timestamp: '2026-01-26T00:00:00.000Z', guardrail_caught: 60, judge_caught: 4, total: 64, guardrail_pct: 93.8, judge_pct: 6.3 }],
      },
    ],
  },
);

const MAX_BUCKETS = 10_000;

function rangeOrDefault(query: { since?: string; from?: string; to?: string }, defaultDays: number): { from: Date; to: Date } {
  const range = resolveRange(query);
  const to = range.to ?? new Date();
  const from = range.from ?? new Date(to.getTime() - defaultDays * DAY_MS);
  if (from >= to) throw new RangeError400('from must be before to');
  return { from, to };
}

export const metricRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const reader = new SearchReader(app.es);
  app.get(
    '/v1/metrics/judge-drift',
    {
      config: { role: 'read' },
      schema: {
        tags: ['metrics'],
        summary: 'Daily judge score series with drift flags (role: read)',
        description:
          'Per judge model and day: the judge scores of judge_flag events assessed against the 7 days before, as the judge_drift ' +
          'rule does (the same code and configured parameters): mean_shift when |mean − trailing mean| > 0.15 and Welch\'s t-test ' +
          'p < 0.001; distribution_shift when PSI ≥ 0.1 and a G-test p < 0.001; low_agreement with human_verdict. ' +
          'Default range: the last 30 days.',
        querystring: Type.Object(
          {
            ...RangeQuery,
            judge_model: Type.Optional(ExactValue('only this judge model')),
          },
          { additionalProperties: false },
        ),
        response: { 200: JudgeDriftResponse, 400: ErrorResponse },
      },
    },
    async (request) => {
      app.assertReady();
      const { from, to } = rangeOrDefault(request.query, 30);
      if (to.getTime() - from.getTime() > 731 * DAY_MS) throw new RangeError400('the range may span at most two years');
      const settings = app.ueba.judgeDrift;
      const series = await judgeDrift(reader, app.indices.events, { from, to, ...(request.query.judge_model ? { judgeModel: request.query.judge_model } : {}) }, settings);
      const { timeZone, trailingDays, minTrailingDays, minEventsPerDay, maxAbsDiff, alpha, minPsi } = settings;
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        settings: { time_zone: timeZone, trailing_days: trailingDays, min_trailing_days: minTrailingDays, min_events_per_day: minEventsPerDay, max_abs_diff: maxAbsDiff, alpha, min_psi: minPsi },
        series,
      };
    },
  );

  app.get(
    '/v1/metrics/guardrail-effectiveness',
    {
      config: { role: 'read' },
      schema: {
        tags: ['metrics'],
        summary: 'Guardrail-caught vs judge-caught-after-pass, overall, per policy and over time (role: read)',
        description:
          'Counts guardrail_block events (caught inline) and judge_flag events with guardrail_result=pass (caught by the judge after the ' +
          'guardrail passed them), with percentages. `interval`: 15m, 1h, 1d (fixed) or 1w, 1M (calendar). Default range: the last 7 days.',
        querystring: Type.Object(
          {
            ...RangeQuery,
            interval: Type.String({ pattern: '^([1-9][0-9]{0,3}[mhd]|1w|1M)$', default: '1d', description: 'bucket size of the series' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: GuardrailResponse, 400: ErrorResponse },
      },
    },
    async (request) => {
      app.assertReady();
      const { from, to } = rangeOrDefault(request.query, 7);
      const interval = request.query.interval;
      if ((to.getTime() - from.getTime()) / intervalMs(interval) > MAX_BUCKETS) {
        throw new RangeError400(`range / interval gives more than ${MAX_BUCKETS} buckets: use a larger interval`);
      }
      const { detailed_series: _detail, ...answer } = await measureGuardrailEffectiveness(reader, app.indices.events, { from, to, interval });
      return answer;
    },
  );

  app.post(
    '/v1/metrics/rebuild',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['metrics'],
        summary: 'Rewrite the daily metrics documents for a range (role: admin)',
        description:
          'Recomputes judge_daily, guardrail_daily and guardrail_policy_daily documents of the UTC days in [from, to) and writes them to ' +
          'the metrics index (stable ids: a day is overwritten). The scheduler does this for recent days on its own.',
        body: Type.Object({ from: IsoDate, to: Type.Optional(IsoDate) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Type.String(),
            to: Type.String(),
            judge_days: Type.Integer(),
            guardrail_days: Type.Integer(),
            guardrail_policy_days: Type.Integer(),
            es_took_ms: Type.Integer(),
          }),
          400: ErrorResponse,
        },
      },
    },
    async (request) => {
      app.assertReady();
      const from = new Date(request.body.from);
      const to = request.body.to ? new Date(request.body.to) : new Date();
      if (from >= to) throw new RangeError400('from must be before to');
      if (to.getTime() - from.getTime() > 731 * DAY_MS) throw new RangeError400('the range may span at most two years');
      return app.ueba.writeMetrics({ from, to }, true);
    },
  );
};
