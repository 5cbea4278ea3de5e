/**
 * An event's `@timestamp` in epoch milliseconds, parsed once per event object. Streaming hands every rule the same
 * objects, and the rules read each one's time several times over (windows, business hours, peer hours): in a CPU
 * profile of a drain after a restart, parsing those strings again and again was one of the largest items of the
 * service's own time (docs/scaling.md, eighteenth session). Events are never changed once read.
 */
const parsed = new WeakMap<object, number>();

export function eventTime(event: { readonly '@timestamp'?: unknown }): number {
  let t = parsed.get(event);
  if (t === undefined) {
    t = Date.parse(String(event['@timestamp']));
    parsed.set(event, t);
  }
  return t;
}
