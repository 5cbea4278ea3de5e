import { errors } from '@elastic/elasticsearch';

/** Elasticsearch could not take or answer the request right now; the caller should retry later. */
export class ElasticsearchUnavailableError extends Error {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 5, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ElasticsearchUnavailableError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** True for failures that say "not now" rather than "never": connection loss, timeouts, 429 and 5xx. */
export function isTransient(error: unknown): boolean {
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    error instanceof errors.RequestAbortedError
  ) {
    return true;
  }
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 0;
    return status === 429 || status >= 500;
  }
  return false;
}

/** Runs an Elasticsearch call and turns transient failures into ElasticsearchUnavailableError. */
export async function withAvailability<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isTransient(error)) {
      throw new ElasticsearchUnavailableError(`Elasticsearch is unavailable (${what}): ${(error as Error).message}`, 5, { cause: error });
    }
    throw error;
  }
}
