/** Opaque paging cursors: base64url JSON of Elasticsearch `search_after` values, checked on the way back in. */
export class CursorError extends Error {
  readonly statusCode = 400;
}

export function encodeCursor(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor<T extends unknown[]>(cursor: string, isValid: (values: unknown[]) => values is T): T {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('cursor is not valid: pass the `next` value of the previous page unchanged');
  }
  if (!Array.isArray(values) || !isValid(values)) {
    throw new CursorError('cursor is not valid: pass the `next` value of the previous page unchanged');
  }
  return values;
}
