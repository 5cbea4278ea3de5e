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
  return [...ndjsonItems(body)];
}

/**
 * `parseNdjsonBody` one line at a time: each line is parsed only when the consumer asks for it, so a large body is
 * never held as a whole array of parsed events (ingest keeps only each event's stored form).
 */
export function* ndjsonItems(body: string): Generator<BodyItem> {
  for (let start = 0, index = 0; start <= body.length; index++) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    const line = body.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    try {
      yield { index, value: JSON.parse(line) };
    } catch (error) {
      yield { index, error: `line ${index + 1} is not valid JSON: ${jsonErrorMessage(error)}` };
    }
  }
}
