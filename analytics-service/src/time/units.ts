/** Fixed lengths of time in milliseconds, for all of the service. Calendar days and hours in a zone: zone-calendar.ts. */
export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
