/**
 * The forensic export manifest: one TypeBox definition for the type, the API schema and the document in the
 * `<prefix>-exports` index. A completed manifest is also written next to the files as `manifest.json`, with a
 * `SHA256SUMS` file that `sha256sum -c` understands.
 *
 * Integrity: `files[].sha256` is the SHA-256 of each file's bytes as stored (compressed when gzip); the export's
 * own `sha256` is the SHA-256 of the SHA256SUMS text — one line `<hex>  <name>\n` per data file, in file-name order.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TERM_FILTER_FIELDS } from '../elasticsearch/event-store.js';

export const EXPORT_STATUSES = ['running', 'completed', 'failed'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

export const EXPORT_ID_PATTERN = '^exp-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$';
/** file names inside an export directory */
export const MANIFEST_FILE = 'manifest.json';
export const SUMS_FILE = 'SHA256SUMS';

export const ExportFiltersSchema = Type.Object(
  Object.fromEntries(TERM_FILTER_FIELDS.map((f) => [f, Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: `exact ${f}` }))])),
  { additionalProperties: false, description: 'exact-match filters, as in GET /v1/events' },
);

export const ExportQuerySchema = Type.Object({
  type: Type.Literal('events'),
  from: Type.String({ description: 'event time, inclusive (ISO 8601)' }),
  to: Type.String({ description: 'event time, exclusive (ISO 8601); fixed when the export is created' }),
  filters: ExportFiltersSchema,
  sort: Type.Array(Type.String(), { description: 'order of the events in the files' }),
});

export const ExportFileSchema = Type.Object({
  name: Type.String(),
  sha256: Type.String({ description: 'hex SHA-256 of the file as stored' }),
  bytes: Type.Integer(),
  events: Type.Integer(),
  first_timestamp: Type.Optional(Type.String()),
  last_timestamp: Type.Optional(Type.String()),
});

export const ExportProgressSchema = Type.Object({
  events_total: Type.Integer({ description: 'events in the snapshot being exported' }),
  events_written: Type.Integer(),
  files_written: Type.Integer(),
  percent: Type.Number(),
  updated_at: Type.String(),
});

export const ExportManifestSchema = Type.Object(
  {
    id: Type.String({ pattern: EXPORT_ID_PATTERN }),
    status: Type.Union(EXPORT_STATUSES.map((s) => Type.Literal(s))),
    description: Type.String(),
    created_by: Type.String({ description: 'the API key role that created it' }),
    requested_by: Type.Optional(Type.String({ description: 'who asked for it, as the caller said' })),
    created_at: Type.String(),
    completed_at: Type.Optional(Type.String()),
    format: Type.Literal('ndjson'),
    compression: Type.Union([Type.Literal('gzip'), Type.Literal('none')]),
    query: ExportQuerySchema,
    event_count: Type.Integer(),
    first_timestamp: Type.Optional(Type.String()),
    last_timestamp: Type.Optional(Type.String()),
    files: Type.Array(ExportFileSchema),
    hash_algorithm: Type.Literal('sha256'),
    sha256: Type.Optional(Type.String({ description: 'SHA-256 of the SHA256SUMS text (one "<hex>  <name>" line per file, by name)' })),
    progress: Type.Optional(ExportProgressSchema),
    error: Type.Optional(Type.String()),
    manifest_version: Type.Literal(1),
  },
  { description: 'forensic export manifest' },
);

export type ExportManifest = Static<typeof ExportManifestSchema>;
export type ExportFile = Static<typeof ExportFileSchema>;
export type ExportQuery = Static<typeof ExportQuerySchema>;
export type ExportFilters = Static<typeof ExportFiltersSchema>;
export type ExportProgress = Static<typeof ExportProgressSchema>;
