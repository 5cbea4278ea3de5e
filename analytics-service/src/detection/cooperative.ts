/**
 * Streaming detection shares the service's one thread with ingest and every API answer. An evaluation that does not
 * wait on Elasticsearch continues through promises that are already settled, and Node runs those to the end before
 * it reads a socket again: at the maximum ingest rate, slices evaluated back to back stalled the service's event
 * loop for 1.1–2.0 s (bench/streaming-lag.ts; 0.4–0.7 s with this, docs/scaling.md). Streaming's loops call
 * `letIoIn()` between steps: once a stretch of work has run `BUDGET_MS`, it waits one turn of the event loop, so the
 * requests and answers waiting meanwhile are taken first. The work is the same; only its order changes.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** The longest stretch of such work between two turns of the event loop, ms. */
export const BUDGET_MS = 10;

let stretchStarted = performance.now();

/** Waits one turn of the event loop when the current stretch of work has run BUDGET_MS; otherwise returns at once. */
export async function letIoIn(): Promise<void> {
  if (performance.now() - stretchStarted < BUDGET_MS) return;
  await nextTurn();
  stretchStarted = performance.now();
}

/** `items.filter(keep)`, letting I/O in between chunks of `chunk` items. */
export async function filterLettingIoIn<T>(items: readonly T[], keep: (item: T) => boolean, chunk = 500): Promise<T[]> {
  const kept: T[] = [];
  for (let i = 0; i < items.length; i += chunk) {
    await letIoIn();
    const end = Math.min(items.length, i + chunk);
    for (let j = i; j < end; j++) if (keep(items[j]!)) kept.push(items[j]!);
  }
  return kept;
}
