/**
 * What happens to prompt and response text before it is stored (seed 002: inputs "appropriately PII-handled").
 *
 * - `store`  keeps `input_text` / `output_text` as sent;
 * - `hash`   replaces each with `sha256:<hex>` (equal texts still correlate) and fills `prompt_hash` from the input;
 * - `redact` replaces e-mail addresses, Luhn-valid card numbers and every secret pattern of the detection
 *            catalogue's content rules with `[REDACTED:<kind>]`, so detection still sees *that* a secret was there;
 * - `drop`   removes both fields.
 * The event id is computed before this step, so replays are recognized in every mode.
 */
import { createHash } from 'node:crypto';
import type { AiSecurityEvent } from '../contract/event-schema.js';
import { CARD_CANDIDATE, findCardNumbers, redactionMarker } from '../detection/content-detectors.js';
import type { Detector } from '../detection/rule-schema.js';

export const CONTENT_MODES = ['store', 'hash', 'redact', 'drop'] as const;
export type ContentMode = (typeof CONTENT_MODES)[number];

const TEXT_FIELDS = ['input_text', 'output_text'] as const;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

export type ContentTransform = (event: AiSecurityEvent) => AiSecurityEvent;

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** A text redactor from the catalogue's regex detectors plus the built-in PII patterns. */
export function createRedactor(detectors: readonly Detector[]): (text: string) => string {
  const secretPatterns = detectors
    .filter((d): d is Extract<Detector, { kind: 'regex' }> => d.kind === 'regex')
    .map((d) => ({ name: d.name, regex: new RegExp(d.pattern, 'g') }));
  return (text) => {
    let out = text;
    for (const { name, regex } of secretPatterns) out = out.replace(regex, redactionMarker(name));
    if (findCardNumbers(out).length > 0) {
      out = out.replace(CARD_CANDIDATE, (match) => (findCardNumbers(match).length > 0 ? redactionMarker('card_number') : match));
    }
    return out.replace(EMAIL, redactionMarker('email'));
  };
}

export function createContentTransform(mode: ContentMode, detectors: readonly Detector[]): ContentTransform {
  switch (mode) {
    case 'store':
      return (event) => event;
    case 'drop':
      return (event) => {
        const { input_text: _input, output_text: _output, ...rest } = event;
        return rest as AiSecurityEvent;
      };
    case 'hash':
      return (event) => {
        const out = { ...event };
        if (typeof event.input_text === 'string') out.prompt_hash ??= sha256(event.input_text);
        for (const field of TEXT_FIELDS) if (typeof event[field] === 'string') out[field] = sha256(event[field]);
        return out;
      };
    case 'redact': {
      const redact = createRedactor(detectors);
      return (event) => {
        const out = { ...event };
        for (const field of TEXT_FIELDS) if (typeof event[field] === 'string') out[field] = redact(event[field]);
        return out;
      };
    }
  }
}
