/**
 * The content pack: SPL, KQL, Sigma or Kibana detection rules for the catalogue, rendered as one text document.
 * Every rule type translates itself (its `export`, content-pack/rule-export.ts); the builders here and in
 * sigma.ts and kibana.ts only iterate the rules and assemble what their types return.
 */
import type { Catalogue } from '../catalogue.js';
import type { DetectionConfig } from '../config-schema.js';
import { evaluatorFor, type EvaluatorTable } from '../evaluators.js';
import type { Rule } from '../rule-schema.js';
import type { GeneratedQuery, SkippedExport } from './rule-export.js';
import { sigmaPack, sigmaYaml } from './sigma.js';
import { kibanaNdjson, kibanaPack } from './kibana.js';

export type PackFormat = 'spl' | 'kql' | 'sigma' | 'kibana';

/** The events data stream Kibana rules read, when the caller does not name the deployment's own. */
export const DEFAULT_EVENTS_INDEX = 'aisec-events';

/** A rule type without an SPL or KQL translation is left out of those packs. */
function queries(rules: Rule[], config: DetectionConfig, evaluators: EvaluatorTable, language: 'spl' | 'kql'): GeneratedQuery[] {
  return rules.flatMap((rule) => evaluatorFor(rule, evaluators).export?.[language](rule, config) ?? []);
}

function renderQueries(queries: GeneratedQuery[], comment: (text: string) => string): string {
  return queries.map((q) => [comment(` ${q.rule_id}${q.signal ? ` / ${q.signal}` : ''} — ${q.title} (severity ${q.severity})`), q.query].join('\n')).join('\n\n');
}

/** SPL comments are enclosed in triple backticks; KQL comments run to the end of the line. */
const splComment = (text: string) => `\`\`\`${text} \`\`\``;
const kqlComment = (text: string) => `//${text}`;

export interface RenderedPack {
  body: string;
  contentType: string;
  extension: string;
  /** rules (or signals) the format cannot express, with the reason */
  skipped?: SkippedExport[];
}

/** `evaluators`: the app's evaluator table (rule-evaluators.ts) — each rule type's evaluator carries its export. */
export function contentPack(catalogue: Catalogue, evaluators: EvaluatorTable, format: PackFormat, ruleIds?: string[], options: { eventsIndex?: string } = {}): RenderedPack {
  const rules = catalogue.rules.filter((r) => r.enabled && (!ruleIds || ruleIds.includes(r.id)));
  const header = `generated from ${rules.length} rules of the aisec detection catalogue; thresholds and lists as configured`;
  switch (format) {
    case 'spl':
      return { body: `${splComment(` ${header}`)}\n\n${renderQueries(queries(rules, catalogue.config, evaluators, 'spl'), splComment)}\n`, contentType: 'text/plain; charset=utf-8', extension: 'spl' };
    case 'kql':
      return { body: `${kqlComment(` ${header}`)}\n\n${renderQueries(queries(rules, catalogue.config, evaluators, 'kql'), kqlComment)}\n`, contentType: 'text/plain; charset=utf-8', extension: 'kql' };
    case 'sigma':
      return { body: sigmaYaml(sigmaPack(rules, catalogue.config, evaluators)), contentType: 'application/yaml; charset=utf-8', extension: 'yml' };
    case 'kibana': {
      const pack = kibanaPack(rules, catalogue.config, evaluators, options.eventsIndex ?? DEFAULT_EVENTS_INDEX);
      return { body: kibanaNdjson(pack), contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson', skipped: pack.skipped };
    }
  }
}
