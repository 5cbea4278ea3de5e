/** Opaque paging cursors: base64url JSON of Elasticsearch `search_after` values, checked on the way back in. */
export class CursorError extends Error {
  readonly statusCode = 400;
}

const INVALID = 'cursor is not valid: pass the `next` value of the previous page unchanged';

export function encodeCursor(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * A sort position as every listing here pages: a finite number (a time or a score) and an id. JSON's 1e999 parses
 * as Infinity, which would reach Elasticsearch as null and fail there as a server error, so it is refused here.
 */
export type SortPosition = [number, string];
export const isSortPosition = (v: unknown[]): v is SortPosition =>
  v.length === 2 && typeof v[0] === 'number' && Number.isFinite(v[0]) && typeof v[1] === 'string' && v[1].length <= 1024;

export function decodeCursor<T extends unknown[]>(cursor: string, isValid: (values: unknown[]) => values is T): T {
  if (!/^[A-Za-z0-9_-]*$/.test(cursor)) throw new CursorError(INVALID);
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError(INVALID);
  }
  if (!Array.isArray(values) || !isValid(values)) throw new CursorError(INVALID);
  return values;
}
