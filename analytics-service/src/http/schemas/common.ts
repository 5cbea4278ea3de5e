import { Type } from '@sinclair/typebox';

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
  },
  { $id: 'ErrorResponse', additionalProperties: true },
);

/** `since` as used by the seeds' pull queries: 30s, 5m, 24h, 7d, 2w. */
export const Since = Type.String({ pattern: '^[1-9][0-9]{0,5}[smhdw]$', description: 'Look-back window, e.g. 5m, 24h, 7d.' });
export const IsoDate = Type.String({ format: 'date-time', description: 'ISO 8601 date-time with timezone.' });
/** A filter value: matched exactly, never interpreted as query syntax. */
export const ExactValue = (description: string) => Type.String({ minLength: 1, maxLength: 1024, description });
