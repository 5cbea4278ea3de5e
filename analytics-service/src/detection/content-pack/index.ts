/** The content pack: SPL, KQL or Sigma for the catalogue, rendered as one text document. */
import type { Catalogue } from '../catalogue.js';
import { kqlQueries, splQueries, type GeneratedQuery } from './siem-queries.js';
import { sigmaPack, sigmaYaml } from './sigma.js';

export type PackFormat = 'spl' | 'kql' | 'sigma';

function renderQueries(queries: GeneratedQuery[], comment: (text: string) => string): string {
  return queries.map((q) => [comment(` ${q.rule_id}${q.signal ? ` / ${q.signal}` : ''} — ${q.title} (severity ${q.severity})`), q.query].join('\n')).join('\n\n');
}

/** SPL comments are enclosed in triple backticks; KQL comments run to the end of the line. */
const splComment = (text: string) => `\`\`\`${text} \`\`\``;
const kqlComment = (text: string) => `//${text}`;

export function contentPack(catalogue: Catalogue, format: PackFormat, ruleIds?: string[]): { body: string; contentType: string; extension: string } {
  const rules = catalogue.rules.filter((r) => r.enabled && (!ruleIds || ruleIds.includes(r.id)));
  const header = `generated from ${rules.length} rules of the aisec detection catalogue; thresholds and lists as configured`;
  switch (format) {
    case 'spl':
      return { body: `${splComment(` ${header}`)}\n\n${renderQueries(rules.flatMap((r) => splQueries(r, catalogue.config)), splComment)}\n`, contentType: 'text/plain; charset=utf-8', extension: 'spl' };
    case 'kql':
      return { body: `${kqlComment(` ${header}`)}\n\n${renderQueries(rules.flatMap((r) => kqlQueries(r, catalogue.config)), kqlComment)}\n`, contentType: 'text/plain; charset=utf-8', extension: 'kql' };
    case 'sigma':
      return { body: sigmaYaml(sigmaPack(rules, catalogue.config)), contentType: 'application/yaml; charset=utf-8', extension: 'yml' };
  }
}
