/** Seeded randomness: the same seed and time window always give the same events (and event ids). */

/** mulberry32 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from several numbers (FNV-1a over their decimal text). */
export function mix(...parts: Array<number | string>): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A standard normal draw (Box–Muller; two draws from `next`). */
export function normal(next: () => number): number {
  const u = Math.max(next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

/** A Poisson draw (Knuth's product method; a rounded normal above λ = 50). */
export function poisson(next: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(next)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = next();
  while (p > limit) {
    k++;
    p *= next();
  }
  return k;
}

/** An item drawn with probability proportional to its weight. */
export function weighted<T>(next: () => number, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = next() * total;
  for (const [item, w] of items) if ((r -= w) < 0) return item;
  return items.at(-1)![0];
}

/** The one seeded generator of the project's traffic: demo, tests and benchmarks. */
export class Rng {
  readonly next: () => number;
  /** a seed, or a source of uniform numbers in [0, 1) */
  constructor(seed: number | (() => number)) {
    this.next = typeof seed === 'number' ? seededRandom(seed) : seed;
  }
  static seeded(seed: number): Rng {
    return new Rng(seed);
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    return weighted(this.next, items);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  normal(mean = 0, sd = 1): number {
    // written out (not `sd * normal(...)`) so the demo's floating-point results stay bit for bit what they were
    const u = Math.max(this.next(), 1e-12);
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** log-normal around a median, unclamped (token counts and latencies) */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * normal(this.next));
  }
  /** log-normal around `median`, clamped to [lo, hi] × median so no background value looks like an attack */
  around(median: number, sigma: number, lo = 0.3, hi = 3): number {
    return median * Math.min(hi, Math.max(lo, Math.exp(this.normal(0, sigma))));
  }
  poisson(lambda: number): number {
    return poisson(this.next, lambda);
  }
  hex(length: number): string {
    let s = '';
    while (s.length < length) s += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, '0');
    return s.slice(0, length);
  }
}
