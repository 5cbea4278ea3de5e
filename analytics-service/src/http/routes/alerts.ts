/**
 * GET   /v1/alerts       — alerts, newest first, filtered and paged
 * GET   /v1/alerts/{id}  — one alert with its evidence events
 * PATCH /v1/alerts/{id}  — triage: status, resolution, note; kept in the alert's history
 */
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import { AiSecurityEventSchema, SEVERITIES } from '../../contract/event-schema.js';
import { ALERT_STATUSES, RESOLUTIONS, type AlertDocument, type HistoryEntry } from '../../detection/alert.js';
import { ESCALATION_ACTIONS, ENTITY_FIELDS, literals } from '../../detection/rule-schema.js';
import { ALERT_FILTER_FIELDS, type AlertFilters } from '../../elasticsearch/alert-store.js';
import { fromDocument, type StoredEventDocument } from '../../elasticsearch/event-store.js';
import { decodeCursor, encodeCursor, isSortPosition } from '../cursor.js';
import { checkTermFilters } from '../filters.js';
import { ErrorResponse, ExactValue, IsoDate, Since } from '../schemas/common.js';
import { resolveRange } from '../time-range.js';

/** How far apart two alerts' windows may be to be related. */
const RELATED_GAP_MS = 3_600_000;

const History = Type.Object({
  at: Type.String(),
  actor: Type.String({ description: 'who made the change: the name of the API key (detection for the engine\'s own entries)' }),
  on_behalf_of: Type.Optional(Type.String({ description: 'the person the key holder acted for, as the triage request said (not verified)' })),
  action: literals(['created', 'updated', 'triage'] as const),
  status: Type.Optional(literals(ALERT_STATUSES)),
  resolution: Type.Optional(literals(RESOLUTIONS)),
  note: Type.Optional(Type.String()),
  severity: Type.Optional(literals(SEVERITIES)),
});

export const AlertSchema = Type.Object(
  {
    id: Type.String({ description: 'sha256(rule_id, signal, entity values, episode start): stable across re-runs and restarts' }),
    rule_id: Type.String(),
    rule_type: Type.String(),
    signal: Type.Optional(Type.String({ description: 'which signal of a multi-signal threshold rule fired' })),
    title: Type.String(),
    severity: literals(SEVERITIES),
    severity_rank: Type.Integer(),
    timestamp: Type.String({ description: 'when the triggering activity happened (the rule first held)' }),
    window_start: Type.String(),
    window_end: Type.String(),
    ...Object.fromEntries(ENTITY_FIELDS.map((f) => [f, Type.Optional(Type.String())])),
    entity_fields: Type.Array(Type.String(), { description: 'the entity fields this alert is keyed by' }),
    observed: Type.Number(),
    threshold: Type.Number(),
    event_ids: Type.Array(Type.String(), { description: 'evidence: the first 50 events of the episode' }),
    event_count: Type.Integer(),
    tags: Type.Array(Type.String(), { description: 'MITRE ATLAS, OWASP LLM 2025 and OWASP Agentic ids' }),
    response: Type.String(),
    status: literals(ALERT_STATUSES),
    resolution: Type.Optional(literals(RESOLUTIONS)),
    escalated: Type.Boolean(),
    recommended_action: Type.Optional(literals(ESCALATION_ACTIONS)),
    escalation_triggers: Type.Optional(Type.Array(Type.String())),
    explanation: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    created_at: Type.String(),
    updated_at: Type.String(),
    history: Type.Array(History),
  },
  { $id: 'Alert' },
);

/** The API shape: `timestamp` like events, rather than the stored `@timestamp`. */
export function toApi(alert: AlertDocument): Static<typeof AlertSchema> {
  const { '@timestamp': timestamp, entity_key: _key, ...rest } = alert;
  return { ...rest, timestamp } as Static<typeof AlertSchema>;
}

const AlertsQuery = Type.Object(
  {
    since: Type.Optional(Since),
    from: Type.Optional(IsoDate),
    to: Type.Optional(IsoDate),
    ...Object.fromEntries(ALERT_FILTER_FIELDS.map((f) => [f, Type.Optional(ExactValue(`exact ${f}`))])),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: false },
);

const TriageBody = Type.Object(
  {
    status: Type.Optional(literals(ALERT_STATUSES)),
    resolution: Type.Optional(literals(RESOLUTIONS)),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    actor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'who the change is made for; kept as on_behalf_of (the history\'s actor is always the key\'s name)',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** A triage entry of the history: HistoryEntry plus who the key holder acted for. */
type TriageEntry = HistoryEntry & { on_behalf_of?: string };

export const alertRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/alerts',
    {
      config: { role: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'List alerts, newest first (role: read)',
        description: 'since or from/to apply to the alert timestamp (when the activity happened). Filters are exact matches. Page with cursor=<next>.',
        querystring: AlertsQuery,
        response: { 200: Type.Object({ alerts: Type.Array(AlertSchema), total: Type.Integer(), next: Type.Optional(Type.String()) }), 400: ErrorResponse },
      },
    },
    async (request) => {
      app.assertReady();
      const query = request.query as Record<string, string | number | undefined> & { limit: number; cursor?: string };
      const filters: AlertFilters = { ...resolveRange(query as { since?: string; from?: string; to?: string }), terms: {} };
      for (const field of ALERT_FILTER_FIELDS) {
        const value = query[field];
        if (typeof value === 'string') filters.terms[field] = value;
      }
      checkTermFilters(filters.terms);
      const after = query.cursor ? decodeCursor(query.cursor, isSortPosition) : undefined;
      const page = await app.detection.alerts.search(filters, query.limit, after);
      return { alerts: page.alerts.map(toApi), total: page.total, ...(page.next ? { next: encodeCursor(page.next) } : {}) };
    },
  );

  app.get(
    '/v1/alerts/:id',
    {
      config: { role: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its evidence events (role: read)',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
        description:
          'With the alert: its evidence events, and `related` — alerts of the same actor (a shared user_id, agent_id, src_ip or ' +
          'session_id) whose windows overlap this one within an hour, e.g. model_enumeration beside ueba_new_model_for_user. ' +
          'Related alerts point at each other.',
        response: {
          200: Type.Object({
            alert: AlertSchema,
            evidence: Type.Array(AiSecurityEventSchema),
            related: Type.Array(
              Type.Object({
                id: Type.String(),
                rule_id: Type.String(),
                title: Type.String(),
                severity: literals(SEVERITIES),
                status: literals(ALERT_STATUSES),
                window_start: Type.String(),
                window_end: Type.String(),
                shared: Type.Array(Type.String(), { description: 'the identity fields both alerts have with the same value' }),
              }),
              { description: 'at most 20, earliest first' },
            ),
          }),
          404: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      app.assertReady();
      const found = await app.detection.alerts.get(request.params.id);
      if (!found) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no alert ${request.params.id}` });
      const [docs, related] = await Promise.all([
        app.detection.store.eventsByIds(found.alert.event_ids),
        app.detection.alerts.related(found.alert, RELATED_GAP_MS, 20),
      ]);
      return {
        alert: toApi(found.alert),
        evidence: docs.map((d) => fromDocument(d as unknown as StoredEventDocument)),
        related: related.map(({ alert: r, shared }) => ({
          id: r.id,
          rule_id: r.rule_id,
          title: r.title,
          severity: r.severity,
          status: r.status,
          window_start: r.window_start,
          window_end: r.window_end,
          shared,
        })),
      };
    },
  );

  app.patch(
    '/v1/alerts/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Triage an alert (role: admin)',
        description:
          'Sets status and/or resolution and adds a note; every change is appended to the alert history (append-only) with the ' +
          'authenticated key\'s name as actor, and a body `actor` as `on_behalf_of`. ' +
          'Detection keeps updating the alert (window, count, severity) without touching these fields.',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
        body: TriageBody,
        response: { 200: AlertSchema, 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      app.assertReady();
      const body = request.body;
      for (let attempt = 0; attempt < 5; attempt++) {
        const found = await app.detection.alerts.get(request.params.id);
        if (!found) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no alert ${request.params.id}` });
        const now = new Date().toISOString();
        // the actor is who authenticated, never what the body claims: a body actor is only recorded as on_behalf_of
        const entry: TriageEntry = { at: now, actor: request.callerName ?? `api-key:${request.callerRole ?? 'admin'}`, action: 'triage' };
        if (body.actor) entry.on_behalf_of = body.actor;
        if (body.status) entry.status = body.status;
        if (body.resolution) entry.resolution = body.resolution;
        if (body.note) entry.note = body.note;
        const updated: AlertDocument = {
          ...found.alert,
          ...(body.status ? { status: body.status } : {}),
          ...(body.resolution ? { resolution: body.resolution } : {}),
          updated_at: now,
          history: [...found.alert.history, entry],
        };
        if (await app.detection.alerts.replace(updated, found.seqNo, found.primaryTerm)) return toApi(updated);
      }
      return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: 'the alert kept changing while it was triaged; retry' });
    },
  );
};
