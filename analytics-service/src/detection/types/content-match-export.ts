/**
 * A content rule (detectors over prompt/response text) in other SIEMs: each format matches the engine's candidate
 * terms and patterns; none can run the engine's exact checks, so card numbers are matched by shape (SPL adds a
 * reminder to verify the Luhn checksum; Kibana's note says to verify the matched text).
 */
import type { ContentMatchRule } from '../rule-schema.js';
import { CARD_EXPORT_PATTERN } from '../content-detectors.js';
import { kql, kqlDetector, spl, splDetector } from '../content-pack/expressions.js';
import { kibanaQuery, luceneDetector } from '../content-pack/kibana-query.js';
import { kibanaRuleBase, MINUTE } from '../content-pack/kibana-rules.js';
import { exported, type RuleExport } from '../content-pack/rule-export.js';
import { baseRule, type Selection } from '../content-pack/sigma-rules.js';
import { KQL_TABLE, kqlColumns, queryBase, SPL_INDEX } from '../content-pack/siem-queries.js';

export const contentMatchExport: RuleExport<ContentMatchRule> = {
  spl: (rule, config) => [
    {
      ...queryBase(rule),
      query: [
        SPL_INDEX,
        `| where ${spl(rule.where, config)}`,
        `| where ${rule.fields.flatMap((f) => rule.detectors.map((d) => splDetector(d, f))).join(' OR ')}`,
        `| stats count AS matches, min(_time) AS first_seen, max(_time) AS last_seen BY ${rule.group_by.join(', ')}`,
        ...(rule.detectors.some((d) => d.kind === 'luhn_card') ? ['``` card numbers: verify the Luhn checksum of matches before acting ```'] : []),
      ].join('\n'),
    },
  ],

  kql: (rule, config) => [
    {
      ...queryBase(rule),
      query: [
        KQL_TABLE,
        `| where ${kql(rule.where, config)}`,
        `| where ${rule.fields.flatMap((f) => rule.detectors.map((d) => kqlDetector(d, f))).join(' or ')}`,
        `| summarize matches = count(), first_seen = min(TimeGenerated), last_seen = max(TimeGenerated) by ${kqlColumns(rule.group_by)}`,
      ].join('\n'),
    },
  ],

  sigma: (rule) => {
    const selections: Record<string, Selection> = {};
    const names: string[] = [];
    rule.fields.forEach((field) =>
      rule.detectors.forEach((detector) => {
        const name = `content${names.length + 1}`;
        names.push(name);
        if (detector.kind === 'keywords') selections[name] = { [`${field}|contains`]: detector.terms };
        else if (detector.kind === 'luhn_card') selections[name] = { [`${field}|re`]: CARD_EXPORT_PATTERN };
        else selections[name] = { [`${field}|re`]: detector.pattern };
      }),
    );
    return exported(baseRule(rule, rule.id, rule.where, { selections, condition: `1 of content*` }));
  },

  kibana: (rule, config, index) => {
    const interval = 5 * MINUTE;
    const candidates = rule.fields.flatMap((field) => rule.detectors.map((d) => `(${luceneDetector(d, field)})`));
    return exported({
      ...kibanaRuleBase(rule, index, {
        id: rule.id,
        interval,
        lookback: interval + MINUTE,
        note: `Matches the candidates the aisec engine checks (${rule.detectors.map((d) => d.name).join(', ')}); Kibana cannot run the exact patterns or the Luhn check, so verify the matched text before acting.`,
      }),
      type: 'query',
      language: 'lucene',
      query: `${kibanaQuery(rule.where, config, 'lucene')} AND (${candidates.join(' OR ')})`,
    });
  },
};
