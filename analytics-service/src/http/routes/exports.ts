/**
 * Forensic exports (seed 000 "Evidence Preservation").
 * POST /v1/exports                      — create an immutable export of a range of events (role: admin)
 * GET  /v1/exports                      — list exports, newest first (role: read)
 * GET  /v1/exports/{id}                 — manifest, or progress while it runs (role: read)
 * GET  /v1/exports/{id}/files/{name}    — download a file of a completed export (role: read)
 * GET  /v1/exports/{id}/verify          — recompute every hash on the server and compare with the manifest (role: read)
 * There is deliberately no route that changes or deletes an export.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ExportStore } from '../../elasticsearch/export-store.js';
import { ExportService } from '../../export/export-service.js';
import { EXPORT_ID_PATTERN, ExportFiltersSchema, ExportManifestSchema, MANIFEST_FILE, SUMS_FILE, type ExportFilters } from '../../export/manifest.js';
import type { ExportSettings } from '../../export/settings.js';
import { decodeCursor, encodeCursor, isSortPosition } from '../cursor.js';
import { checkTermFilters } from '../filters.js';
import { ErrorResponse, IsoDate, Since } from '../schemas/common.js';
import { RangeError400, resolveRange } from '../time-range.js';

const MAX_RANGE_MS = 400 * 86_400_000;

const CreateBody = Type.Object(
  {
    type: Type.Literal('events', { default: 'events', description: 'what to export (events)' }),
    since: Type.Optional(Since),
    from: Type.Optional(IsoDate),
    to: Type.Optional(IsoDate),
    filters: Type.Optional(ExportFiltersSchema),
    description: Type.String({ minLength: 1, maxLength: 2000, description: 'why the export exists, e.g. an incident number' }),
    requested_by: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'who asked for it (recorded in the manifest)' })),
    compression: Type.Union([Type.Literal('gzip'), Type.Literal('none')], { default: 'gzip' }),
    wait: Type.Optional(Type.Boolean({ description: 'true: answer when done; false: answer 202 at once; absent: wait only for small exports' })),
  },
  {
    additionalProperties: false,
    examples: [{ since: '48h', description: 'Incident investigation - IR-2026-042', filters: { user_id: 'jgill@example.com' } }],
  },
);

const ExampleManifest = {
  id: 'exp-20260211-143000-3f9a1c2b',
  status: 'completed',
  description: 'Forensic preservation - IR-2026-042 - DO NOT DELETE',
  created_by: 'api-key:admin',
  created_at: '2026-02-11T14:30:00.000Z',
  completed_at: '2026-02-11T14:30:02.410Z',
  format: 'ndjson',
  compression: 'gzip',
  query: { type: 'events', from: '2025-11-13T14:30:00.000Z', to: '2026-02-11T14:30:00.000Z', filters: {}, sort: ['@timestamp asc', 'event_id asc'] },
  event_count: 1204,
  first_timestamp: '2025-11-13T15:02:11.000Z',
  last_timestamp: '2026-02-11T14:29:58.000Z',
  files: [{ name: 'events-000001.ndjson.gz', sha256: '9f2c…', bytes: 81234, events: 1204, first_timestamp: '2025-11-13T15:02:11.000Z', last_timestamp: '2026-02-11T14:29:58.000Z' }],
  hash_algorithm: 'sha256',
  sha256: '5d41…',
  manifest_version: 1,
};

const Manifest = ExportManifestSchema;

const FileCheck = Type.Object({
  name: Type.String(),
  expected_sha256: Type.String(),
  actual_sha256: Type.Optional(Type.String()),
  expected_bytes: Type.Integer(),
  actual_bytes: Type.Optional(Type.Integer()),
  ok: Type.Boolean(),
  problem: Type.Optional(Type.String()),
});

const Verification = Type.Object({
  id: Type.String(),
  ok: Type.Boolean(),
  checked_at: Type.String(),
  sha256: Type.Optional(Type.String()),
  files: Type.Array(FileCheck),
  problems: Type.Array(Type.String()),
});

const IdParams = Type.Object({ id: Type.String({ pattern: EXPORT_ID_PATTERN }) });
export const exportRoutes: FastifyPluginAsyncTypebox<{ settings: ExportSettings }> = async (app, options) => {
  const service = new ExportService(new ExportStore(app.es, app.indices.exports, app.indices.events), options.settings, app.log);
  app.addHook('onClose', async () => service.close());

  app.post(
    '/v1/exports',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['exports'],
        summary: 'Create an immutable forensic export of events (role: admin)',
        description:
          'Writes the events of a range (`since`, or `from`/`to` on event time) and exact filters to NDJSON files (gzip by default) ' +
          'under AISEC_EXPORT_DIR, read through an Elasticsearch point in time so the export is one consistent snapshot. ' +
          'The manifest lists the SHA-256 of every file and of the whole (SHA-256 of SHA256SUMS). Small exports answer 201 when done; ' +
          'larger ones (over AISEC_EXPORT_SYNC_MAX_EVENTS events, or `wait: false`) answer 202 with a Location to poll for progress.',
        body: CreateBody,
        response: { 201: Manifest, 202: Manifest, 400: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      app.assertReady();
      const body = request.body;
      if (body.since === undefined && body.from === undefined) throw new RangeError400('give a range: since (e.g. 48h) or from (and optionally to)');
      // one instant for `since` and the open end, so `since: 400d` spans exactly 400 days
      const now = Date.now();
      const range = resolveRange({ ...(body.since ? { since: body.since } : {}), ...(body.from ? { from: body.from } : {}), ...(body.to ? { to: body.to } : {}) }, now);
      const from = range.from!;
      const to = range.to ?? new Date(now);
      if (!(from < to)) throw new RangeError400('from must be before to');
      if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw new RangeError400('the range may span at most 400 days; split it into several exports');
      checkTermFilters((body.filters ?? {}) as Partial<Record<string, string>>);
      const { manifest, done } = await service.create({
        from,
        to,
        filters: (body.filters ?? {}) as ExportFilters,
        description: body.description,
        compression: body.compression,
        createdBy: request.callerName ?? `api-key:${request.callerRole ?? 'admin'}`,
        ...(body.requested_by ? { requestedBy: body.requested_by } : {}),
      });
      reply.header('location', `/v1/exports/${manifest.id}`);
      const wait = body.wait ?? manifest.progress!.events_total <= options.settings.syncMaxEvents;
      if (!wait) return reply.code(202).send(manifest);
      return reply.code(201).send(await done);
    },
  );

  app.get(
    '/v1/exports',
    {
      config: { role: 'read' },
      schema: {
        tags: ['exports'],
        summary: 'List forensic exports, newest first (role: read)',
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
            cursor: Type.Optional(Type.String({ maxLength: 2048 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ exports: Type.Array(Manifest), total: Type.Integer(), next: Type.Optional(Type.String()) }, { examples: [{ exports: [ExampleManifest], total: 1 }] }),
          400: ErrorResponse,
        },
      },
    },
    async (request) => {
      app.assertReady();
      const after = request.query.cursor ? decodeCursor(request.query.cursor, isSortPosition) : undefined;
      const page = await service.list(request.query.limit, after);
      return { exports: page.exports, total: page.total, ...(page.next ? { next: encodeCursor(page.next) } : {}) };
    },
  );

  app.get(
    '/v1/exports/:id',
    {
      config: { role: 'read' },
      schema: {
        tags: ['exports'],
        summary: 'One export: its manifest, or its progress while it runs (role: read)',
        params: IdParams,
        response: { 200: Type.Object(ExportManifestSchema.properties, { examples: [ExampleManifest] }), 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      app.assertReady();
      const manifest = await service.get(request.params.id);
      if (!manifest) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no export ${request.params.id}` });
      return manifest;
    },
  );

  app.get(
    '/v1/exports/:id/files/:name',
    {
      config: { role: 'read' },
      schema: {
        tags: ['exports'],
        summary: 'Download a file of a completed export (role: read)',
        description:
          'Any data file listed in the manifest, or manifest.json / SHA256SUMS. The `x-aisec-sha256` header carries the SHA-256 the ' +
          'manifest records for the file: compare it with what you received (aisec export verify does).',
        params: Type.Object({ id: Type.String({ pattern: EXPORT_ID_PATTERN }), name: Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$', examples: ['events-000001.ndjson.gz'] }) }),
        produces: ['application/x-ndjson', 'application/gzip', 'application/json', 'text/plain'],
        response: { 200: Type.String({ description: 'the file' }), 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      app.assertReady();
      const { id, name } = request.params;
      const manifest = await service.get(id);
      if (!manifest) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no export ${id}` });
      if (manifest.status !== 'completed') {
        return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `export ${id} is ${manifest.status}; files can be downloaded once it is completed` });
      }
      const listed = manifest.files.find((f) => f.name === name);
      if (!listed && name !== MANIFEST_FILE && name !== SUMS_FILE) {
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `export ${id} has no file ${name}; its files: ${[...manifest.files.map((f) => f.name), MANIFEST_FILE, SUMS_FILE].join(', ')}` });
      }
      const path = join(service.directory(id), name);
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch {
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `file ${name} of export ${id} is missing from ${service.settings.dir}: run GET /v1/exports/${id}/verify` });
      }
      const type = name.endsWith('.gz') ? 'application/gzip' : name.endsWith('.ndjson') ? 'application/x-ndjson' : name.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8';
      if (listed) reply.header('x-aisec-sha256', listed.sha256);
      return reply
        .type(type)
        .header('content-length', String(size))
        .header('content-disposition', `attachment; filename="${id}-${name}"`)
        .send(createReadStream(path) as never);
    },
  );

  app.get(
    '/v1/exports/:id/verify',
    {
      config: { role: 'read' },
      schema: {
        tags: ['exports'],
        summary: 'Verify an export on the server: recompute every hash and compare with the manifest (role: read)',
        description: 'ok is true only when every file, SHA256SUMS and manifest.json on disk match the manifest stored in Elasticsearch.',
        params: IdParams,
        response: {
          200: Type.Object(Verification.properties, { examples: [{ id: ExampleManifest.id, ok: true, checked_at: '2026-02-12T08:00:00.000Z', sha256: '5d41…', files: [], problems: [] }] }),
          404: ErrorResponse,
        },
      },
    },
    async (request) => {
      app.assertReady();
      return service.verify(request.params.id);
    },
  );
};
