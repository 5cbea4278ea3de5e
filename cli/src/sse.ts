/**
 * A Server-Sent Events reader over fetch: parses `id`, `event`, `data` and `retry` fields, skips comments
 * (heartbeats), and reconnects after a dropped connection with Last-Event-ID, as EventSource does.
 */
import { ApiError, type AisecClient, type Query, type Role } from './client.js';

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

export interface FollowOptions {
  query: Query;
  role: Role;
  signal: AbortSignal;
  onMessage: (message: SseMessage) => void | 'stop';
  onReconnect?: (reason: string) => void;
}

export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage | { retry: number }> {
  const decoder = new TextDecoder();
  let buffer = '';
  let message: { id?: string; event?: string; data: string[] } = { data: [] };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
      if (line === '') {
        if (message.data.length > 0 || message.event) {
          yield { ...(message.id !== undefined ? { id: message.id } : {}), event: message.event ?? 'message', data: message.data.join('\n') };
        }
        message = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') message.data.push(value);
      else if (field === 'event') message.event = value;
      else if (field === 'id') message.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) yield { retry: Number(value) };
    }
  }
}

/** Follows `path` until `signal` aborts or `onMessage` returns 'stop'. Auth and role errors end it; outages retry. */
export async function follow(client: AisecClient, path: string, options: FollowOptions): Promise<void> {
  let lastId: string | undefined;
  let retryMs = 3000;
  while (!options.signal.aborted) {
    let reason = 'the stream ended';
    try {
      const response = await client.fetch(path, {
        method: 'GET',
        headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
        query: options.query,
        role: options.role,
        signal: options.signal,
      });
      if (!response.ok) {
        const problem = await client.problem(response, options.role);
        if (problem.status !== 503 && problem.status !== 429) throw problem;
        reason = problem.message;
      } else {
        for await (const item of parseSse(response.body!)) {
          if ('retry' in item) {
            retryMs = item.retry;
            continue;
          }
          if (item.id) lastId = item.id;
          if (options.onMessage(item) === 'stop') return;
        }
      }
    } catch (error) {
      if (options.signal.aborted) return;
      if (error instanceof ApiError) throw error;
      reason = (error as Error).message;
    }
    if (options.signal.aborted) return;
    options.onReconnect?.(reason);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      options.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
