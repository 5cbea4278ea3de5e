/** The content pack: SPL, KQL, Sigma or Kibana detection rules for the catalogue, rendered as one text document. */
import type { Catalogue } from '../catalogue.js';
import { kqlQueries, splQueries, type GeneratedQuery } from './siem-queries.js';
import { sigmaPack, sigmaYaml } from './sigma.js';
import { kibanaNdjson, kibanaPack } from './kibana.js';

export type PackFormat = 'spl' | 'kql' | 'sigma' | 'kibana';

/** The events data stream Kibana rules read, when the caller does not name the deployment's own. */
export const DEFAULT_EVENTS_INDEX = 'aisec-events';

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
  skipped?: Array<{ rule_id: string; signal?: string; reason: string }>;
}

export function contentPack(catalogue: Catalogue, format: PackFormat, ruleIds?: string[], options: { eventsIndex?: string } = {}): RenderedPack {
  const rules = catalogue.rules.filter((r) => r.enabled && (!ruleIds || ruleIds.includes(r.id)));
  const header = `generated from ${rules.length} rules of the aisec detection catalogue; thresholds and lists as configured`;
  switch (format) {
    case 'spl':
      return { body: `${splComment(` ${header}`)}\n\n${renderQueries(rules.flatMap((r) => splQueries(r, catalogue.config)), splComment)}\n`, contentType: 'text/plain; charset=utf-8', extension: 'spl' };
    case 'kql':
      return { body: `${kqlComment(` ${header}`)}\n\n${renderQueries(rules.flatMap((r) => kqlQueries(r, catalogue.config)), kqlComment)}\n`, contentType: 'text/plain; charset=utf-8', extension: 'kql' };
    case 'sigma':
      return { body: sigmaYaml(sigmaPack(rules, catalogue.config)), contentType: 'application/yaml; charset=utf-8', extension: 'yml' };
    case 'kibana': {
      const pack = kibanaPack(rules, catalogue.config, options.eventsIndex ?? DEFAULT_EVENTS_INDEX);
      return { body: kibanaNdjson(pack), contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson', skipped: pack.skipped };
    }
  }
}
