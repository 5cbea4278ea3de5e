/**
 * content_match: an event whose `fields` (input_text / output_text) trip a detector — keyword phrases
 * (case-insensitive, whole words), Luhn-valid card numbers, or secret patterns.
 *
 * Elasticsearch narrows the candidates (phrase queries for keywords, digit-run tokens for card numbers, the
 * detectors' token prefixes for secrets); each candidate's text (first 200 000 characters) is then checked in
 * TypeScript. Firings of one entity closer than the rule window are one episode.
 * Alerts name the detector that fired, never the matched secret.
 */
import type { estypes } from '../../elasticsearch/dsl.js';
import { durationMs } from '../duration.js';
import { compileDetector, redactionMarker } from '../content-detectors.js';
import {
  EpisodeBuilder,
  MAX_EVIDENCE_IDS,
  compiled,
  entityOf,
  entityRecord,
  esPredicate,
  eventFilter,
  keyString,
  ms,
  sourceFields,
  type EvaluationContext,
  type EvaluationScope,
  type EvaluationUnit,
  type Finding,
  type RuleEvaluator,
} from '../evaluation.js';
import type { ContentMatchRule, Detector, EntityField } from '../rule-schema.js';
import { contentMatchExport } from './content-match-export.js';

type Query = estypes.QueryDslQueryContainer;

function candidateQuery(detector: Detector, field: string): Query[] {
  // text stored with AISEC_CONTENT_MODE=redact carries `[REDACTED:<name>]` where a finding was
  // analyzed like the stored text (the standard tokenizer keeps `redacted:<name>` as one token)
  const marker: Query = { match_phrase: { [field]: redactionMarker(detector.name) } };
  return detector.kind === 'keywords' ? detectorCandidates(detector, field) : [...detectorCandidates(detector, field), marker];
}

function detectorCandidates(detector: Detector, field: string): Query[] {
  switch (detector.kind) {
    case 'keywords':
      return detector.terms.map((term) => ({ match_phrase: { [field]: term } }));
    case 'luhn_card':
      // grouped numbers are split into 4-digit tokens by the standard analyzer; ungrouped ones stay whole
      return [{ regexp: { [field]: { value: '[0-9]{4}|[0-9]{13,19}' } } }];
    case 'regex':
      return detector.hints.map((hint) =>
        'prefix' in hint ? { prefix: { [field]: { value: hint.prefix.toLowerCase() } } } : { match_phrase: { [field]: hint.phrase } },
      );
  }
}

function contentQuery(rule: ContentMatchRule, base: Query): Query {
  const should = rule.fields.flatMap((field) => rule.detectors.flatMap((d) => candidateQuery(d, field)));
  return { bool: { filter: [base, { bool: { should, minimum_should_match: 1 } }] } };
}

async function* evaluateContent(rule: ContentMatchRule, unit: EvaluationUnit, scope: EvaluationScope, ctx: EvaluationContext, gapMs: number): AsyncGenerator<Finding> {
  const base = eventFilter(rule.where, ctx.config, scope.from, scope.to, unit.keyFields, scope.keys);
  const query = contentQuery(rule, base.query);
  const where = compiled(rule.where, ctx.config);
  const detectors = rule.detectors.map((d) => ({ name: d.name, test: compileDetector(d) }));
  let builder: EpisodeBuilder | undefined;
  let currentKey: string | undefined;
  const out: Finding[] = [];
  const source = sourceFields([rule.where], [...unit.keyFields, ...rule.fields]);
  for await (const event of ctx.store.scan(query, { source, sortFirst: unit.keyFields })) {
    if (where(event) !== true) continue;
    const key = entityOf(event, unit.keyFields);
    if (!key) continue;
    const hits: string[] = [];
    for (const field of rule.fields) {
      const text = event[field];
      if (typeof text !== 'string') continue;
      for (const d of detectors) if (d.test(text)) hits.push(`${d.name} in ${field}`);
    }
    if (hits.length === 0) continue;
    if (keyString(key) !== currentKey) {
      builder?.flush();
      builder = new EpisodeBuilder(gapMs, (f) => out.push(f));
      currentKey = keyString(key);
    }
    const t = ms(event);
    builder!.add({
      rule,
      entity: entityRecord(unit.keyFields, key),
      keyFields: unit.keyFields,
      windowStart: t,
      windowEnd: t,
      firedAt: t,
      observed: 1,
      threshold: 1,
      eventCount: 1,
      eventIds: [event.event_id],
      explanation: { detectors: hits },
      mergeGapMs: gapMs,
    });
    while (out.length) yield out.shift()!;
  }
  builder?.flush();
  yield* out;
}

export const contentMatchEvaluator: RuleEvaluator<ContentMatchRule> = {
  export: contentMatchExport,

  units(rule) {
    const textCondition = { any: rule.fields.map((field) => ({ field, exists: true })) };
    return [{ trigger: { all: [rule.where, textCondition] }, keyFields: rule.group_by as EntityField[], lookaheadMs: 1 }];
  },

  evaluate(rule, unit, scope, ctx) {
    return evaluateContent(rule, unit, scope, ctx, durationMs(rule.window));
  },

  async relevant(rule, _unit, events, ctx) {
    // only events whose text matches a detector's candidate query can fire
    const times = events.map(ms);
    const query = contentQuery(rule, esPredicate(rule.where, ctx.config, Math.min(...times), Math.max(...times) + 1).query);
    const matching = await ctx.store.matchingIds(events.map((e) => e.event_id), query);
    return events.filter((e) => matching.has(e.event_id));
  },

  async evidence(rule, unit, entity, windowStart, windowEnd, ctx) {
    const key = unit.keyFields.map((f) => entity[f]!);
    let count = 0;
    const ids: string[] = [];
    for await (const f of evaluateContent(rule, unit, { from: windowStart, to: windowEnd + 1, keys: [key] }, ctx, Number.MAX_SAFE_INTEGER)) {
      count += f.eventCount;
      for (const id of f.eventIds) if (ids.length < MAX_EVIDENCE_IDS) ids.push(id);
    }
    return { count, ids };
  },
};
