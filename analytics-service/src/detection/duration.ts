/** Durations as rules and config write them: 30s, 15m, 1h, 7d. */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const DURATION_PATTERN = '^[1-9][0-9]{0,4}[smhd]$';

export function durationMs(duration: string): number {
  const match = /^([1-9][0-9]{0,4})([smhd])$/.exec(duration);
  if (!match) throw new Error(`"${duration}" is not a duration: write a whole number and s, m, h or d, e.g. 15m`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** ES `fixed_interval` / SPL / KQL all accept the same spelling for s, m, h and d. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
