/**
 * Splits a request body into candidate events: one JSON object, a JSON array, or NDJSON (one per line).
 * A line of NDJSON that is not valid JSON is an error for that line only.
 */
export type BodyItem = { index: number; value: unknown } | { index: number; error: string };

export class BodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyError';
  }
}

function jsonErrorMessage(error: unknown): string {
  return (error as Error).message.replace(/^Unexpected token/, 'unexpected token');
}

export function parseJsonBody(body: string): BodyItem[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    const hint = body.trimStart().startsWith('{') && body.trim().includes('\n')
      ? ' (for one event per line, send Content-Type: application/x-ndjson)'
      : '';
    throw new BodyError(`body is not valid JSON: ${jsonErrorMessage(error)}${hint}`);
  }
  if (Array.isArray(parsed)) return parsed.map((value, index) => ({ index, value }));
  if (typeof parsed === 'object' && parsed !== null) return [{ index: 0, value: parsed }];
  throw new BodyError('body must be an event object or an array of events');
}

/** `index` is the 0-based line number, so a producer can find the line; blank lines are skipped. */
export function parseNdjsonBody(body: string): BodyItem[] {
  const items: BodyItem[] = [];
  const lines = body.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    try {
      items.push({ index, value: JSON.parse(line) });
    } catch (error) {
      items.push({ index, error: `line ${index + 1} is not valid JSON: ${jsonErrorMessage(error)}` });
    }
  }
  return items;
}
