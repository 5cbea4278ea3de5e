/**
 * A new-terms (first-seen) rule in other SIEMs: SPL and KQL searches over the rule's history, and a Kibana
 * `new_terms` rule with the same history. Sigma has no notion of "never seen before"; the rule is left out there.
 */
import type { NewTermsRule } from '../rule-schema.js';
import { durationMs, formatDuration } from '../duration.js';
import { kql, kqlColumn, spl } from '../content-pack/expressions.js';
import { kibanaQuery } from '../content-pack/kibana-query.js';
import { kibanaRuleBase, MINUTE } from '../content-pack/kibana-rules.js';
import { exported, NEEDS_HISTORY, notExported, type RuleExport } from '../content-pack/rule-export.js';
import { KQL_TABLE, queryBase, SPL_INDEX } from '../content-pack/siem-queries.js';

export const newTermsExport: RuleExport<NewTermsRule> = {
  spl: (rule, config) => [
    {
      ...queryBase(rule),
      query: [
        `${SPL_INDEX} earliest=-${rule.history}`,
        `| where ${spl(rule.where, config)}${rule.approved.length ? ` AND NOT in(${rule.field}, ${rule.approved.map((a) => `"${a}"`).join(', ')})` : ''}`,
        `| stats min(_time) AS first_seen, count BY ${rule.field}`,
        `| where first_seen >= relative_time(now(), "-${rule.window}")`,
      ].join('\n'),
    },
  ],

  kql: (rule, config) => {
    const c = kqlColumn(rule.field);
    return [
      {
        ...queryBase(rule),
        query: [
          KQL_TABLE,
          `| where TimeGenerated > ago(${formatDuration(durationMs(rule.history))})`,
          `| where ${kql(rule.where, config)}${rule.approved.length ? ` and ${c} !in (${rule.approved.map((a) => `"${a}"`).join(', ')})` : ''}`,
          `| summarize first_seen = min(TimeGenerated), events = count() by ${c}`,
          `| where first_seen > ago(${rule.window})`,
        ].join('\n'),
      },
    ];
  },

  sigma: (rule) => notExported(rule, NEEDS_HISTORY.sigma(rule)),

  kibana: (rule, config, index) => {
    const interval = 5 * MINUTE;
    const where = kibanaQuery(rule.where, config, 'kuery');
    const approved = rule.approved.length ? ` and not ${rule.field}:(${rule.approved.map((a) => `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(' or ')})` : '';
    return exported({
      ...kibanaRuleBase(rule, index, { id: rule.id, interval, lookback: interval + MINUTE }),
      type: 'new_terms',
      language: 'kuery',
      query: `${where}${approved}`,
      new_terms_fields: [rule.field],
      history_window_start: `now-${rule.history}`,
    });
  },
};
