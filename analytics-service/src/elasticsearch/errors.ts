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

/** Elasticsearch refused the request as asked (a 4xx other than 429): the request, not the cluster, must change. */
export function isRejectedRequest(error: unknown): boolean {
  const status = error instanceof errors.ResponseError ? (error.statusCode ?? 0) : 0;
  return status >= 400 && status < 500 && status !== 429;
}

/**
 * For an error of the Elasticsearch client: the HTTP status Elasticsearch answered, or 0 when it did not answer
 * (connection, timeout). Undefined for any other error.
 */
export function elasticsearchClientStatus(error: unknown): number | undefined {
  if (!(error instanceof errors.ElasticsearchClientError)) return undefined;
  return error instanceof errors.ResponseError ? (error.statusCode ?? 0) : 0;
}

/** The kind of a transient failure, as the service's metrics count it; undefined for anything else. */
export function elasticsearchErrorKind(error: unknown): string | undefined {
  if (error instanceof errors.TimeoutError) return 'timeout';
  if (error instanceof errors.ConnectionError || error instanceof errors.NoLivingConnectionsError) return 'connection';
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 0;
    if (status === 429) return 'too_many_requests';
    if (status >= 500) return 'server';
  }
  return undefined;
}

/** Runs an Elasticsearch call and turns transient failures into ElasticsearchUnavailableError. */
export async function withAvailability<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isTransient(error)) {
      // a server error's message is Elasticsearch's own (exception types, Java text): only its status goes to callers
      const detail = error instanceof errors.ResponseError ? `it answered ${error.statusCode ?? 'an error'}` : (error as Error).message;
      throw new ElasticsearchUnavailableError(`Elasticsearch is unavailable (${what}): ${detail}`, 5, { cause: error });
    }
    throw error;
  }
}

/** Node's TLS verification failures, as the client reports them (message text; the code is not kept). */
const TLS_CERTIFICATE = /certificate|self[- ]signed|altnames|CERT_|unable to get (local )?issuer/i;
/** An https URL pointed at a plain-HTTP port, or the reverse. */
const TLS_PROTOCOL = /wrong version number|EPROTO|packet length too long/i;

interface ErrorCause {
  type?: string;
  reason?: string;
  root_cause?: ErrorCause[];
}

/** Elasticsearch's type and reason, with the first root cause where it says more ("all shards failed" does not). */
function reasonOf(error: errors.ResponseError): string {
  const body = error.meta?.body as { error?: ErrorCause | string } | undefined;
  if (typeof body?.error !== 'object') return body?.error || error.message.split('\n')[0]!;
  const said = (cause: ErrorCause) => [cause.type, cause.reason].filter(Boolean).join(': ');
  const detail = said(body.error);
  const root = body.error.root_cause?.[0];
  return root && said(root) && said(root) !== detail ? `${detail} (root cause ${said(root)})` : detail || error.message.split('\n')[0]!;
}

/**
 * One line an operator can act on, for a failure to reach or use Elasticsearch: which setting to look at for
 * certificate and credential problems. Never includes credentials (the client's errors carry none in their message).
 */
export function describeElasticsearchError(error: unknown): string {
  const message = ((error as Error | undefined)?.message ?? String(error)).trim();
  if (error instanceof errors.ConnectionError) {
    if (TLS_CERTIFICATE.test(message)) {
      return `Elasticsearch's TLS certificate is not trusted (${message}): set ES_CA_FILE to the PEM CA certificate that signed it, and use a host name in ES_URL that the certificate names`;
    }
    if (TLS_PROTOCOL.test(message)) {
      return `TLS handshake with Elasticsearch failed (${message}): check that ES_URL's scheme (http/https) matches the Elasticsearch HTTP port`;
    }
    return `Elasticsearch unreachable: ${message}`;
  }
  if (error instanceof errors.ResponseError) {
    if (error.statusCode === 401) {
      return `Elasticsearch authentication failed (401 ${reasonOf(error)}): check ES_USERNAME/ES_PASSWORD or ES_API_KEY`;
    }
    if (error.statusCode === 403) {
      return `Elasticsearch refused the request (403 ${reasonOf(error)}): the user or API key lacks a privilege the service needs (docs/hardening.md lists them)`;
    }
    return `Elasticsearch answered ${error.statusCode ?? '?'}: ${reasonOf(error)}`;
  }
  return message;
}

/**
 * A failure in words fit for an API answer or a status field: an Elasticsearch client error by its status only
 * (Elasticsearch's own text, exception types and Java detail belong in the service log: logFields), anything else by
 * its message.
 */
export function productMessage(error: unknown, what: string): string {
  const status = elasticsearchClientStatus(error);
  if (status === undefined) return (error as Error | undefined)?.message ?? String(error);
  return status === 0 ? `Elasticsearch could not be reached (${what}); the service log has the detail` : `Elasticsearch refused a request (${what}, status ${status}); the service log has the detail`;
}

/**
 * Log fields for a failure: an Elasticsearch client error as `es` (kind, status, reason; not the request and
 * connection dump the client attaches, with its TLS material), anything else as `err` with its stack.
 */
export function logFields(error: unknown): Record<string, unknown> {
  if (error instanceof errors.ResponseError) return { es: { error: error.name, statusCode: error.statusCode, reason: reasonOf(error) } };
  if (error instanceof errors.ElasticsearchClientError) return { es: { error: error.name, reason: (error as Error).message } };
  return { err: error };
}
