/**
 * POST /v1/detections/run        — retro-hunt: evaluate rules over an event-time range
 * GET  /v1/detections/runs/{id}  — progress or result of a run
 * GET  /v1/detections/status     — streaming detection and webhook state
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse, IsoDate } from '../schemas/common.js';
import { combinedStats, type StreamingStats } from '../../detection/streaming.js';

const Tally = Type.Object({ created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer(), duration_ms: Type.Optional(Type.Integer({ description: 'time spent on the rule' })) });

const RunSchema = Type.Object(
  {
    id: Type.String(),
    status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
    from: Type.String(),
    to: Type.String(),
    rules: Type.Array(Type.String()),
    created: Type.Integer({ description: 'alerts created' }),
    updated: Type.Integer({ description: 'existing alerts grown (window, count or severity)' }),
    unchanged: Type.Integer({ description: 'findings already fully recorded' }),
    by_rule: Type.Record(Type.String(), Tally),
    chunks_total: Type.Integer({ description: 'UTC-day chunks in the range' }),
    chunks_done: Type.Integer(),
    current_chunk: Type.Optional(Type.String()),
    started_at: Type.String(),
    finished_at: Type.Optional(Type.String()),
    duration_ms: Type.Optional(Type.Integer()),
    error: Type.Optional(Type.String()),
    baselines: Type.Optional(
      Type.Object(
        {
          rebuilt: Type.Boolean({ description: 'whether the run rebuilt UEBA baselines before scoring' }),
          reason: Type.String(),
          window: Type.Optional(Type.Object({ from: Type.String(), to: Type.String() }, { description: 'the window baselines were rebuilt over' })),
          entities: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: 'entities per kind whose baselines were rebuilt' })),
        },
        {
          description:
            'Present when history-based UEBA rules (volume, token, cost, off-profile hours) run: they score against baselines, so when no stored ' +
            'baseline was built over a window containing the hunted range, the run first rebuilds them over the range and the baseline window before it.',
        },
      ),
    ),
  },
  { $id: 'DetectionRun' },
);

/** One streaming partition's state, or a replica's over its partitions. */
const streamingStatusProperties = {
  enabled: Type.Boolean(),
  running: Type.Boolean(),
  leader: Type.Boolean({ description: 'whether this replica holds the streaming lease and streams; the others stand by' }),
  replica: Type.String({ description: "this replica's name in the lease (AISEC_REPLICA_ID)" }),
  takeovers: Type.Integer({ description: 'times this replica took the streaming lease' }),
  lease_checks: Type.Integer({ description: 'times this replica asked for or renewed the streaming lease (a standby that looked and was refused counts up while `leader` stays false)' }),
  checkpoint: Type.Optional(
    Type.String({ description: 'stored checkpoint: newest event.ingested processed, held before the events of evaluations still put off' }),
  ),
  deferred: Type.Integer({ description: 'evaluations put off until due (peer groups to score again as a whole)' }),
  polls: Type.Integer({ description: 'reads of new events' }),
  events_processed: Type.Integer({ description: 'events every streamed rule has evaluated' }),
  events_read_back: Type.Integer({
    description: 'events read whose contents came from Elasticsearch; the others were stored by this replica a moment before and taken from its memory',
  }),
  last_poll_at: Type.Optional(Type.String()),
  last_error: Type.Optional(Type.String()),
  errors: Type.Integer(),
  alerts: Type.Object({ created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer() }),
  max_poll_ms: Type.Integer({ description: 'slowest slice so far: from its read until every rule had evaluated it' }),
  rule_ms: Type.Record(Type.String(), Type.Integer(), { description: 'time spent per rule, cumulative' }),
};

const MAX_RANGE_MS = 400 * 86_400_000;

export const detectionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/detections/run',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['detections'],
        summary: 'Retro-hunt: run rules over an event-time range (role: admin)',
        description:
          'Evaluates the enabled rules (or `rules`) over events with from <= timestamp < to, one UTC day at a time. ' +
          'Re-running never duplicates alerts: findings grow or leave existing alerts. History-based UEBA rules need baselines: when no stored ' +
          'baseline covers the range, the run rebuilds them first and reports it in `baselines`. By default the call answers when the run ' +
          'is done (200); with `wait: false` it answers 202 at once and GET /v1/detections/runs/{id} reports progress.',
        body: Type.Object(
          {
            from: IsoDate,
            to: IsoDate,
            rules: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true })),
            wait: Type.Boolean({ default: true }),
          },
          { additionalProperties: false },
        ),
        response: { 200: RunSchema, 202: RunSchema, 400: ErrorResponse, 500: ErrorResponse },
      },
    },
    async (request, reply) => {
      app.assertReady();
      const from = new Date(request.body.from);
      const to = new Date(request.body.to);
      if (!(from < to)) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'from must be before to' });
      if (to.getTime() - from.getTime() > MAX_RANGE_MS) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'the range may span at most 400 days; split it into several runs' });
      }
      const { state, done } = app.detection.retroHunts.start(from, to, request.body.rules);
      if (!request.body.wait) return reply.code(202).send(state);
      const result = await done;
      if (result.status === 'failed') {
        request.log.error({ run: result.id, error: result.error }, 'retro-hunt failed');
        return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: `retro-hunt ${result.id} failed: ${result.error}` });
      }
      return result;
    },
  );

  app.get(
    '/v1/detections/runs/:id',
    {
      config: { role: 'read' },
      schema: {
        tags: ['detections'],
        summary: 'Progress or result of a retro-hunt (role: read)',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: RunSchema, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const run = app.detection.retroHunts.get(request.params.id);
      if (!run) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no run ${request.params.id} in this process (runs are kept in memory, the last 100)` });
      return run;
    },
  );

  app.get(
    '/v1/detections/status',
    {
      config: { role: 'read' },
      schema: {
        tags: ['detections'],
        summary: 'Streaming detection and webhook state (role: read)',
        response: {
          200: Type.Object({
            streaming: Type.Object(streamingStatusProperties, {
              description: 'this replica: with several partitions, over the partitions it streams (leader when it streams any; counts summed; the oldest checkpoint)',
            }),
            partitions: Type.Array(
              Type.Object({ partition: Type.Integer({ description: '1-based' }), of: Type.Integer(), rules: Type.Array(Type.String()), ...streamingStatusProperties }),
              { description: 'every streaming partition (AISEC_DETECTION_PARTITIONS) as this replica sees it: its rules, whether this replica streams it, its checkpoint' },
            ),
            webhooks: Type.Object({
              targets: Type.Integer(),
              min_severity: Type.String(),
              signed: Type.Boolean(),
              delivering: Type.Boolean({ description: 'whether this replica delivers (the holder of the streaming lease does)' }),
              pending: Type.Integer({ description: 'notifications stored in the outbox and not yet delivered, across all replicas, as of the last outbox scan (every AISEC_WEBHOOK_SCAN_MS)' }),
              oldest_pending_at: Type.Optional(Type.String({ description: 'when the oldest pending notification was queued' })),
              in_flight: Type.Integer(),
              delivered: Type.Integer({ description: 'delivered by this replica since it started' }),
              failed_attempts: Type.Integer({ description: 'attempts that failed; each is retried until delivered or expired' }),
              expired: Type.Integer({ description: 'given up after AISEC_WEBHOOK_MAX_AGE' }),
              last_error: Type.Optional(Type.String()),
            }),
          }),
        },
      },
    },
    async () => {
      const { partitions, webhooks, settings } = app.detection;
      const shown = (stats: StreamingStats) => {
        const { by_rule: _byRule, ...alerts } = stats.alerts;
        return { ...stats, enabled: settings.streaming.enabled, alerts };
      };
      return {
        streaming: shown(combinedStats(partitions.map((p) => p.streaming.stats))),
        partitions: partitions.map((p) => ({ partition: p.index + 1, of: partitions.length, rules: p.rules, ...shown(p.streaming.stats) })),
        webhooks: {
          targets: settings.webhooks.urls.length,
          min_severity: settings.webhooks.minSeverity,
          signed: settings.webhooks.secret !== undefined,
          ...webhooks.stats,
        },
      };
    },
  );
};
