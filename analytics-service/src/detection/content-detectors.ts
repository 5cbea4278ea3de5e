/**
 * Content checks done in TypeScript (Elasticsearch here has no scripts): phrase matching with word boundaries,
 * Luhn-checked payment card numbers, secret patterns, IP/CIDR membership and e-mail domains in tool parameters.
 * Text is scanned up to MAX_SCAN_CHARS so that one huge document cannot stall detection.
 */
import { isIP } from 'node:net';
import type { Detector } from './rule-schema.js';

export const MAX_SCAN_CHARS = 200_000;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Case-insensitive whole-word phrase matcher; words may be separated by any non-word characters. */
export function phraseMatcher(phrases: readonly string[]): RegExp {
  const alternatives = phrases.map((p) =>
    p
      .trim()
      .split(/[^\p{L}\p{N}_]+/u)
      .filter(Boolean)
      .map(escapeRegex)
      .join('[^\\p{L}\\p{N}_]+'),
  );
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, 'iu');
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** 13–19 digits, optionally grouped by single spaces or hyphens, not part of a longer number. */
export const CARD_CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g;
/** The same shape in the regex dialect that SIEM exports use (no look-behind). */
export const CARD_EXPORT_PATTERN = '\\b[0-9]([ -]?[0-9]){12,18}\\b';

/** Luhn-valid card numbers in the text, with a brand-plausible prefix (excludes all-same-digit strings). */
export function findCardNumbers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.slice(0, MAX_SCAN_CHARS).matchAll(CARD_CANDIDATE)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19) continue;
    if (/^(\d)\1+$/.test(digits)) continue;
    if (!/^[2-6]/.test(digits)) continue; // Visa 4, Mastercard 2/5, Amex 3, Discover 6
    if (luhnValid(digits)) found.push(digits);
  }
  return found;
}

export interface DetectorHit {
  detector: string;
  field: string;
}

export type CompiledDetector = (text: string) => boolean;

/** The marker that AISEC_CONTENT_MODE=redact leaves where this detector's finding was (ingest/content-mode.ts). */
export function redactionMarker(name: string): string {
  return `[REDACTED:${name}]`;
}

export function compileDetector(detector: Detector): CompiledDetector {
  switch (detector.kind) {
    case 'keywords': {
      const matcher = phraseMatcher(detector.terms);
      return (text) => matcher.test(text.slice(0, MAX_SCAN_CHARS));
    }
    case 'luhn_card': {
      // a redacted card still counts: the redactor only writes the marker where a valid number was
      const marker = redactionMarker(detector.name);
      return (text) => findCardNumbers(text).length > 0 || text.slice(0, MAX_SCAN_CHARS).includes(marker);
    }
    case 'regex': {
      const regex = new RegExp(detector.pattern);
      const marker = redactionMarker(detector.name);
      return (text) => {
        const scanned = text.slice(0, MAX_SCAN_CHARS);
        return regex.test(scanned) || scanned.includes(marker);
      };
    }
  }
}

// --- IP addresses ---

function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(ip: string): bigint {
  let address = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]!);
    address = address.slice(0, -v4[1]!.length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = address.split('::') as [string, string | undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [...headParts, ...Array(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  return parts.reduce((acc, part) => (acc << 16n) + BigInt(parseInt(part || '0', 16)), 0n);
}

/** IPv4/IPv6 address or CIDR membership; IPv4-mapped IPv6 addresses match IPv4 ranges. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [range, bitsText] = cidr.split('/') as [string, string | undefined];
  let family = isIP(ip);
  const rangeFamily = isIP(range);
  if (family === 0 || rangeFamily === 0) return false;
  let address = ip;
  if (family === 6 && rangeFamily === 4) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (!mapped) return false;
    address = mapped[1]!;
    family = 4;
  }
  if (family !== rangeFamily) return false;
  const width = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return false;
  const toBig = family === 4 ? ipv4ToBigInt : ipv6ToBigInt;
  const shift = BigInt(width - bits);
  return toBig(address) >> shift === toBig(range) >> shift;
}

// --- e-mail recipients in tool parameters ---

const EMAIL = /[A-Za-z0-9._%+'-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

/** Every e-mail domain found anywhere in a value (strings, arrays, nested objects), lower-cased. */
export function emailDomains(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    for (const match of value.matchAll(EMAIL)) out.push(match[1]!.toLowerCase());
  } else if (Array.isArray(value)) {
    for (const item of value) emailDomains(item, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) emailDomains(item, out);
  }
  return out;
}

/** A domain is allowed when it is an allowed domain or one of its subdomains. */
export function domainAllowed(domain: string, allowed: readonly string[]): boolean {
  return allowed.some((a) => {
    const d = a.toLowerCase();
    return domain === d || domain.endsWith(`.${d}`);
  });
}
