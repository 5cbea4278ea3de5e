/** Polls `probe` until it returns a value other than undefined; fails naming `what` (and `state()`, if given) on timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  state?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? `; ${await state()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
