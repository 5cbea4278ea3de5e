/**
 * POST /v1/query — the Grafana datasource's endpoint: a batch of targets in, data frames out, keyed by refId.
 * A bad or failing target is reported in its own result; the batch as a whole fails only when malformed.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { QUERY_KINDS, QueryRequestSchema } from '../../query/kinds.js';
import { duplicateRefIds, runQuery } from '../../query/run-query.js';
import { ErrorResponse } from '../schemas/common.js';

const TargetResult = Type.Object({
  status: Type.Integer({ description: '200, or the status this target alone would have had' }),
  error: Type.Optional(Type.String()),
  frames: Type.Array(Type.Unknown(), { description: 'Grafana data frames (DataFrameDTO): name, refId, meta, fields of name/type/values/labels/config' }),
});

const example = {
  range: { from: '2026-02-01T00:00:00Z', to: '2026-02-11T00:00:00Z' },
  intervalMs: 60_000,
  maxDataPoints: 800,
  targets: [
    { refId: 'A', kind: 'event_volume', groupBy: 'category' },
    { refId: 'B', kind: 'risk_matrix' },
  ],
};

export const queryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/query',
    {
      config: { role: 'read' },
      schema: {
        tags: ['query'],
        summary: 'Grafana data frames for a batch of targets (role: read)',
        description:
          `Each target has a \`refId\`, a \`kind\` (${QUERY_KINDS.join(', ')}), optional filters (user_id, endpoint, model, category, severity: ` +
          'arrays of exact values) and kind-specific options. Time series are bucketed at no less than `intervalMs` and no more than ' +
          '`maxDataPoints` buckets. Each result carries its own status and error.',
        body: { ...QueryRequestSchema, examples: [example] },
        response: { 200: Type.Object({ results: Type.Record(Type.String(), TargetResult) }), 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      app.assertReady();
      const duplicates = duplicateRefIds(request.body.targets);
      if (duplicates.length > 0) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `refIds must be unique in a batch; repeated: ${duplicates.join(', ')}` });
      }
      return runQuery({ es: app.es, indices: app.indices, judgeDrift: app.ueba.judgeDrift, onError: (refId, err) => request.log.error({ err, refId }, 'query target failed') }, request.body);
    },
  );
};
