/**
 * Filter values from query strings and bodies, checked before they reach Elasticsearch as term values, so that a
 * value Elasticsearch cannot read is a 400 in our words rather than its parse error.
 *
 * `src_ip` takes an address (matches that address) or a CIDR block such as `10.0.0.0/8` (matches every address in
 * it): Elasticsearch's `ip` field reads a term that way, and a SOC filters by network as often as by host.
 */
import { isIP } from 'node:net';
import { isStoredIp } from '../contract/mapping-limits.js';
import { RangeError400 } from './time-range.js';

export function checkIpFilter(name: string, value: string): void {
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const version = isIP(address);
  if (version === 0 || !isStoredIp(address) || (slash >= 0 && address.includes('%'))) {
    throw new RangeError400(`${name} must be an IPv4 or IPv6 address, or a CIDR block such as 10.0.0.0/8 (got "${value}")`);
  }
  if (slash >= 0) {
    const bits = value.slice(slash + 1);
    const max = version === 4 ? 32 : 128;
    if (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > max) {
      throw new RangeError400(`${name}: the prefix length after "/" must be 0 to ${max} for an IPv${version} block (got "${value}")`);
    }
  }
}

/** Checks the term filters that have a stricter form than a keyword. */
export function checkTermFilters(terms: Partial<Record<string, string>>): void {
  if (terms.src_ip !== undefined) checkIpFilter('src_ip', terms.src_ip);
}
