/**
 * HTTP client of the analytics service for the CLI: bearer key, JSON in and out, and errors that say what to do
 * (service unreachable, key missing or refused, role too weak, service not ready).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type Role = 'ingest' | 'read' | 'admin';

/**
 * Keys that `npm start` wrote for a local service (AISEC_DATA_DIR/api-keys.env, default ./.data): used only when no
 * key is given and the service is on this machine, with the role each request needs.
 */
function localKeys(): Partial<Record<Role, string>> | undefined {
  const file = join(resolve(process.env.AISEC_DATA_DIR ?? '.data'), 'api-keys.env');
  try {
    const line = /^AISEC_API_KEYS=(.*)$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
    const keys: Partial<Record<Role, string>> = {};
    for (const entry of line.split(',')) {
      const [role, key] = entry.trim().split(':') as [Role, string | undefined];
      if (key && !keys[role]) keys[role] = key;
    }
    return keys;
  } catch {
    return undefined;
  }
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export class ApiError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  url: string;
  apiKey?: string;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** raw body (e.g. NDJSON) with its content type */
  raw?: { body: string | Uint8Array; contentType: string };
  headers?: Record<string, string>;
  /** the role the route needs, for the error message of a 403 */
  role: Role;
  signal?: AbortSignal;
}

const KEY_HINT =
  'Set AISEC_API_KEY (or --api-key). With `npm start` the keys are in .data/api-keys.env (used automatically for a local service ' +
  'when you run aisec from the repository); with Docker, in your .env (AISEC_*_API_KEY). An admin key can run every command.';

function networkProblem(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

export class AisecClient {
  readonly baseUrl: string;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    try {
      new URL(this.baseUrl);
    } catch {
      throw new CliError(`AISEC_URL is not a URL (got "${options.url}"); e.g. http://127.0.0.1:8080`, 2);
    }
  }

  url(path: string, query?: Query): string {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    return url.toString();
  }

  private local: Partial<Record<Role, string>> | undefined | null = null;

  private keyFor(role: Role): string | undefined {
    if (this.options.apiKey) return this.options.apiKey;
    const host = new URL(this.baseUrl).hostname;
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) return undefined;
    if (this.local === null) this.local = localKeys();
    return this.local?.[role] ?? this.local?.admin;
  }

  /** fetch with the key, turning network failures into an actionable message */
  async fetch(path: string, init: RequestInit & { query?: Query; role: Role }): Promise<Response> {
    const headers = new Headers(init.headers);
    const key = this.keyFor(init.role);
    if (key) headers.set('authorization', `Bearer ${key}`);
    try {
      return await fetch(this.url(path, init.query), { ...init, headers });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new CliError(
        `cannot reach the analytics service at ${this.baseUrl} (${networkProblem(error)}). Is it running? Start it with \`npm start\` or ` +
          '`docker compose up`, or point AISEC_URL (or --url) at it.',
      );
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Sends and checks the status; the caller reads the body. */
  async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | Uint8Array | undefined;
    if (options.raw) {
      body = options.raw.body;
      headers['content-type'] = options.raw.contentType;
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await this.fetch(path, { method, headers, body: body as RequestInit["body"], query: options.query, role: options.role, signal: options.signal });
    if (!response.ok) throw await this.problem(response, options.role);
    return response;
  }

  async problem(response: Response, role: Role): Promise<ApiError> {
    const text = await response.text().catch(() => '');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    const message = typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : text.slice(0, 300);
    const retryAfter = Number(response.headers.get('retry-after'));
    const retry = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
    switch (response.status) {
      case 401:
        return new ApiError(
          this.keyFor(role) ? `the service refused the API key (${message}). ${KEY_HINT}` : `AISEC_API_KEY is not set and this command needs a key with role "${role}". ${KEY_HINT}`,
          401,
          body,
        );
      case 403:
        return new ApiError(`this command needs a key with role "${role}" (or admin): ${message}. ${KEY_HINT}`, 403, body);
      case 429:
        return new ApiError(`rate limited by the service (${message}); retry in ${retry ?? 'a few'} s`, 429, body, retry);
      case 503:
        return new ApiError(`the service cannot do this right now: ${message}. Check \`aisec status\`.`, 503, body, retry);
      default:
        return new ApiError(`${response.status} ${response.statusText}: ${message}`, response.status, body, retry);
    }
  }
}
