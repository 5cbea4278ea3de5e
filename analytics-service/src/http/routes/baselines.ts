/**
 * Baseline API for data teams.
 * POST /v1/baselines/rebuild            — recompute baselines (and risk) over a window (role: admin)
 * GET  /v1/baselines/{kind}             — list users | models | endpoints | agents by risk or volume (role: read)
 * GET  /v1/baselines/{kind}/{id}        — one entity: profile, live risk, recent anomalies (role: read)
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BaselineDocumentSchema } from '../../ueba/baseline-document.js';
import { ENTITY_COLLECTIONS, KIND_OF_COLLECTION, RISK_KINDS, type EntityCollection } from '../../ueba/entities.js';
import { decodeCursor, encodeCursor, isSortPosition } from '../cursor.js';
import { ErrorResponse, IsoDate } from '../schemas/common.js';
import { RangeError400 } from '../time-range.js';
import { profileExample } from './baseline-examples.js';

const Collection = Type.Union(
  ENTITY_COLLECTIONS.map((c) => Type.Literal(c)),
  { description: 'entity kind: users (user_id), models (model), endpoints (endpoint), agents (agent_id)' },
);

const RiskSchema = Type.Object(
  {
    score: Type.Number({ description: 'entity risk 0–100 (see docs/ueba.md "Entity risk")' }),
    level: Type.String({ description: 'Unknown < 20 ≤ Low < 40 ≤ Moderate < 70 ≤ High < 90 ≤ Critical' }),
    alert_count: Type.Integer({ description: 'alerts in the look-back that entered the sum' }),
    half_life_days: Type.Number(),
    lookback_days: Type.Number(),
    formula: Type.String(),
    contributions: Type.Array(
      Type.Object({
        id: Type.String({ description: 'alert id' }),
        rule_id: Type.Optional(Type.String()),
        timestamp: Type.String(),
        risk: Type.Number({ description: "the alert's risk (its risk_score, or its severity's default)" }),
        decayed: Type.Number({ description: 'risk × 0.5^(age / half-life)' }),
        weight: Type.Number({ description: '1 / rank^1.5' }),
        contribution: Type.Number(),
      }),
      { description: 'the ten largest contributions' },
    ),
  },
  { description: 'live risk, computed from the alerts index at request time (users and agents)' },
);

const AnomalySchema = Type.Object({
  id: Type.String(),
  rule_id: Type.String(),
  timestamp: Type.String(),
  severity: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  risk_score: Type.Optional(Type.Number()),
  observed: Type.Optional(Type.Number()),
  explanation: Type.Optional(Type.Unknown({ description: 'feature, observed, expected ± spread, score, baseline window' })),
});

const ProfileResponse = Type.Object(
  {
    kind: Type.String(),
    id: Type.String(),
    baseline: BaselineDocumentSchema,
    risk: Type.Union([RiskSchema, Type.Null()]),
    recent_anomalies: Type.Array(AnomalySchema, { description: 'latest ueba_* alerts of the entity, newest first (empty without an alerts index)' }),
  },
  { examples: [profileExample] },
);

const SummarySchema = Type.Object({
  entity_kind: Type.String(),
  entity_id: Type.String(),
  event_count: Type.Integer(),
  request_count: Type.Integer(),
  active_hours: Type.Integer(),
  first_seen: Type.String(),
  last_seen: Type.String(),
  department: Type.Optional(Type.String()),
  risk_score: Type.Optional(Type.Number()),
  risk_level: Type.Optional(Type.String()),
  computed_at: Type.String(),
});

const ListResponse = Type.Object(
  {
    baselines: Type.Array(SummarySchema),
    total: Type.Integer({ description: 'entities of this kind with a baseline' }),
    next: Type.Optional(Type.String({ description: 'cursor of the next page, absent on the last' })),
  },
  {
    examples: [
      {
        baselines: [
          {
            entity_kind: 'user',
            entity_id: 'jgill@example.com',
            event_count: 4210,
            request_count: 3968,
            active_hours: 212,
            first_seen: '2026-01-05T08:02:11.000Z',
            last_seen: '2026-02-01T17:58:40.000Z',
            department: 'finance',
            risk_score: 51.2,
            risk_level: 'Moderate',
            computed_at: '2026-02-02T00:00:04.000Z',
          },
        ],
        total: 1,
      },
    ],
  },
);

const RebuildBody = Type.Object(
  {
    from: Type.Optional(IsoDate),
    to: Type.Optional(IsoDate),
    kinds: Type.Optional(Type.Array(Collection, { minItems: 1, uniqueItems: true })),
  },
  { additionalProperties: false, examples: [{ from: '2026-01-05T00:00:00Z', to: '2026-02-02T00:00:00Z' }] },
);

const KindCounts = Type.Object({ user: Type.Integer(), model: Type.Integer(), endpoint: Type.Integer(), agent: Type.Integer() });

const RebuildResponse = Type.Object({
  baselines: Type.Object({
    window: Type.Object({ from: Type.String(), to: Type.String() }),
    selection: Type.String(),
    entities: KindCounts,
    es_took_ms: Type.Integer({ description: 'time Elasticsearch reported spending (sum of `took`)' }),
    es_requests: Type.Integer(),
    wall_ms: Type.Integer(),
  }),
  risk: Type.Object({
    entities: Type.Record(Type.String(), Type.Integer()),
    missing_baseline: Type.Integer(),
    cleared: Type.Integer(),
    es_took_ms: Type.Integer(),
  }),
});

const MAX_WINDOW_DAYS = 400;
export const baselineRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/baselines/rebuild',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['baselines'],
        summary: 'Recompute baselines over a window (role: admin)',
        description:
          'Recomputes, inside Elasticsearch, the baseline of every entity with events in [from, to) (default: the last ' +
          'AISEC_UEBA_WINDOW_DAYS days), writes one document per entity to the baselines index, then refreshes risk scores. ' +
          'Answers when done, with the time spent. 409 while another rebuild runs in this service.',
        body: RebuildBody,
        response: { 200: RebuildResponse, 400: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request) => {
      app.assertReady();
      const to = request.body.to ? new Date(request.body.to) : new Date();
      const from = request.body.from ? new Date(request.body.from) : app.ueba.slidingWindow(to).from;
      if (from >= to) throw new RangeError400('from must be before to');
      if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) throw new RangeError400(`the window may span at most ${MAX_WINDOW_DAYS} days`);
      const kinds = request.body.kinds?.map((c) => KIND_OF_COLLECTION[c as EntityCollection]);
      return app.ueba.rebuild({ from, to }, kinds);
    },
  );

  app.get(
    '/v1/baselines/:kind',
    {
      config: { role: 'read' },
      schema: {
        tags: ['baselines'],
        summary: 'List entities of a kind by risk or volume (role: read)',
        description: '`sort=risk` (users and agents carry risk) or `sort=volume` (events in the baseline window), highest first. Page with `cursor=<next>`.',
        params: Type.Object({ kind: Collection }),
        querystring: Type.Object(
          {
            sort: Type.Union([Type.Literal('risk'), Type.Literal('volume')], { default: 'risk' }),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
            cursor: Type.Optional(Type.String({ maxLength: 2048 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ListResponse, 400: ErrorResponse },
      },
    },
    async (request) => {
      app.assertReady();
      const kind = KIND_OF_COLLECTION[request.params.kind as EntityCollection];
      const after = request.query.cursor ? decodeCursor(request.query.cursor, isSortPosition) : undefined;
      const page = await app.ueba.baselines.list(kind, request.query.sort, request.query.limit, after);
      return {
        baselines: page.baselines.map((b) => ({
          entity_kind: b.entity_kind,
          entity_id: b.entity_id,
          event_count: b.event_count,
          request_count: b.request_count,
          active_hours: b.active_hours,
          first_seen: b.first_seen,
          last_seen: b.last_seen,
          ...(b.department !== undefined ? { department: b.department } : {}),
          ...(b.risk_score !== undefined ? { risk_score: b.risk_score } : {}),
          ...(b.risk_level !== undefined ? { risk_level: b.risk_level } : {}),
          computed_at: b['@timestamp'],
        })),
        total: page.total,
        ...(page.next ? { next: encodeCursor(page.next) } : {}),
      };
    },
  );

  app.get(
    '/v1/baselines/:kind/:id',
    {
      config: { role: 'read' },
      schema: {
        tags: ['baselines'],
        summary: "One entity's baseline, risk and recent anomalies (role: read)",
        description:
          'The id is the entity value, URL-encoded (`/v1/baselines/endpoints/%2Fapi%2Fv1%2Fchat`). 404 when the entity has no baseline ' +
          '(never seen, or not yet computed: see POST /v1/baselines/rebuild).',
        params: Type.Object({ kind: Collection, id: Type.String({ minLength: 1, maxLength: 1024 }) }),
        response: { 200: ProfileResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      app.assertReady();
      const kind = KIND_OF_COLLECTION[request.params.kind as EntityCollection];
      const profile = await app.ueba.profile(kind, request.params.id);
      if (!profile) {
        return reply.code(404).send({
          statusCode: 404,
          error: 'Not Found',
          message: `no baseline for ${kind} "${request.params.id}": it has no events in the baseline window, or baselines have not been computed yet`,
        });
      }
      const { config } = app.ueba;
      return {
        ...profile,
        risk:
          profile.risk && RISK_KINDS.includes(kind)
            ? {
                score: profile.risk.score,
                level: profile.risk.level,
                alert_count: profile.risk.alert_count,
                half_life_days: config.riskHalfLifeDays,
                lookback_days: config.riskLookbackDays,
                formula: 'Σ_i risk_(i)·0.5^(age/half_life) / i^1.5 / ζ(1.5), alerts sorted by decayed risk, descending',
                contributions: profile.risk.contributions.slice(0, 10),
              }
            : null,
      };
    },
  );
};

