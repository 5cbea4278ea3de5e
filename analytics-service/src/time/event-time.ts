/**
 * An event's time in epoch ms, parsed once per event object. Every streaming rule reads the times of the same event
 * objects, so the parse is kept on the object itself (symbol keys: never stored or serialised) with the string it came
 * from, and redone if that string changed. A drain's CPU profile had the parse at 5–7 % of the service's busy time; a
 * WeakMap beside the events cost as much as the parse (docs/scaling.md).
 */
const TIME = Symbol('event time');
const TIME_OF = Symbol('event time parsed from');
type Stamped = { [TIME]?: number; [TIME_OF]?: unknown };

export function ms(event: Record<string, unknown>): number {
  const stamped = event as Stamped;
  const text = event['@timestamp'];
  const known = stamped[TIME];
  if (known !== undefined && stamped[TIME_OF] === text) return known;
  const t = Date.parse(String(text));
  stamped[TIME] = t;
  stamped[TIME_OF] = text;
  return t;
}
