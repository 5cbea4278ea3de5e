/**
 * A drift rule (daily mean of a field per key against its trailing mean) as SPL and KQL searches. Sigma and
 * Kibana rules cannot compute trailing statistics; the rule is left out of both.
 */
import type { DriftRule } from '../rule-schema.js';
import { kql, kqlColumn, spl } from '../content-pack/expressions.js';
import { NEEDS_HISTORY, notExported, type RuleExport } from '../content-pack/rule-export.js';
import { KQL_TABLE, queryBase, SPL_INDEX } from '../content-pack/siem-queries.js';

export const driftExport: RuleExport<DriftRule> = {
  spl: (rule, config) => [
    {
      ...queryBase(rule),
      query: [
        `${SPL_INDEX} earliest=-${rule.trailing_days + 1}d@d`,
        `| where ${spl(rule.where, config)}`,
        '| bin _time span=1d',
        `| stats avg(${rule.field}) AS daily_mean, count AS events BY _time, ${rule.by}`,
        `| where events >= ${rule.min_events_per_day}`,
        `| streamstats window=${rule.trailing_days} current=f avg(daily_mean) AS trailing_mean, count AS trailing_days BY ${rule.by}`,
        `| where trailing_days >= ${rule.min_trailing_days} AND abs(daily_mean - trailing_mean) > ${rule.max_abs_diff}`,
      ].join('\n'),
    },
  ],

  kql: (rule, config) => {
    const by = kqlColumn(rule.by);
    const prev = Array.from({ length: rule.trailing_days }, (_, i) => `prev(daily_mean, ${i + 1})`).join(', ');
    return [
      {
        ...queryBase(rule),
        query: [
          KQL_TABLE,
          `| where ${kql(rule.where, config)}`,
          `| summarize daily_mean = avg(${kqlColumn(rule.field)}), events = count() by day = bin(TimeGenerated, 1d), ${by}`,
          `| where events >= ${rule.min_events_per_day}`,
          `| order by ${by} asc, day asc`,
          '| serialize',
          `| extend trailing_mean = avg_of(${prev})`,
          `| where isnotnull(prev(daily_mean, ${rule.min_trailing_days})) and ${by} == prev(${by}, ${rule.trailing_days}) and abs(daily_mean - trailing_mean) > ${rule.max_abs_diff}`,
        ].join('\n'),
      },
    ];
  },

  sigma: (rule) => notExported(rule, NEEDS_HISTORY.sigma(rule)),
  kibana: (rule) => notExported(rule, NEEDS_HISTORY.kibana(rule)),
};
