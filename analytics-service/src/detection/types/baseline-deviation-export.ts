/**
 * A baseline-deviation rule as SPL and KQL searches that compute the same baseline over the same window: an
 * event's tokens out against its key's mean (or its own tokens in), or a session's cost against the user's
 * average session. Sigma and Kibana rules cannot compute baselines; the rule is left out of both.
 */
import type { BaselineDeviationRule } from '../rule-schema.js';
import { kql, kqlColumn, spl } from '../content-pack/expressions.js';
import { NEEDS_HISTORY, notExported, type RuleExport } from '../content-pack/rule-export.js';
import { KQL_TABLE, kqlColumns, queryBase, SPL_INDEX } from '../content-pack/siem-queries.js';

export const baselineDeviationExport: RuleExport<BaselineDeviationRule> = {
  spl: (rule, config) => {
    const m = rule.measure;
    const lines =
      m.kind === 'event_tokens_out'
        ? [
            `${SPL_INDEX} earliest=-${m.baseline_window}`,
            `| where ${spl(rule.where, config)}`,
            `| eventstats avg(tokens_out) AS baseline_tokens, count AS baseline_events BY ${m.baseline_by}`,
            '| eval ratio=tokens_out/max(coalesce(tokens_in, 0), 1)',
            `| where (baseline_events >= ${m.min_baseline_events} AND tokens_out > baseline_tokens * ${m.factor})${m.max_out_in_ratio !== undefined ? ` OR ratio > ${m.max_out_in_ratio}` : ''}`,
            `| table _time, ${rule.group_by.join(', ')}, tokens_in, tokens_out, ratio, baseline_tokens`,
          ]
        : [
            `${SPL_INDEX} earliest=-${m.baseline_window}`,
            `| where ${spl(rule.where, config)}`,
            '| stats max(session_cost_usd) AS reported, sum(cost_usd) AS summed, max(_time) AS last_seen BY user_id, session_id',
            '| eval session_cost=coalesce(reported, summed)',
            '| eventstats avg(session_cost) AS user_avg_session_cost, count AS sessions BY user_id',
            `| where sessions >= ${m.min_baseline_sessions} AND session_cost >= ${m.min_session_cost_usd} AND session_cost > user_avg_session_cost * ${m.factor}`,
          ];
    return [{ ...queryBase(rule), query: lines.join('\n') }];
  },

  kql: (rule, config) => {
    const m = rule.measure;
    let lines: string[];
    if (m.kind === 'event_tokens_out') {
      const by = kqlColumn(m.baseline_by);
      lines = [
        `let baseline = ${KQL_TABLE} | where TimeGenerated between (ago(${m.baseline_window}) .. startofday(now())) | where ${kql(rule.where, config)}`,
        `    | summarize baseline_tokens = avg(tokens_out_d), baseline_events = count() by ${by};`,
        KQL_TABLE,
        '| where TimeGenerated > startofday(now())',
        `| where ${kql(rule.where, config)}`,
        `| join kind=leftouter baseline on ${by}`,
        '| extend ratio = tokens_out_d / max_of(tokens_in_d, 1)',
        `| where (baseline_events >= ${m.min_baseline_events} and tokens_out_d > baseline_tokens * ${m.factor})${m.max_out_in_ratio !== undefined ? ` or ratio > ${m.max_out_in_ratio}` : ''}`,
        `| project TimeGenerated, ${kqlColumns(rule.group_by)}, tokens_in_d, tokens_out_d, ratio, baseline_tokens`,
      ];
    } else {
      lines = [
        `let sessions = ${KQL_TABLE} | where TimeGenerated > ago(${m.baseline_window}) | where ${kql(rule.where, config)}`,
        '    | summarize session_cost = coalesce(max(session_cost_usd_d), sum(cost_usd_d)), last_seen = max(TimeGenerated) by user_id_s, session_id_s;',
        'let baseline = sessions | where last_seen < startofday(now()) | summarize user_avg = avg(session_cost), baseline_sessions = count() by user_id_s;',
        'sessions',
        '| where last_seen >= startofday(now())',
        '| join kind=inner baseline on user_id_s',
        `| where baseline_sessions >= ${m.min_baseline_sessions} and session_cost >= ${m.min_session_cost_usd} and session_cost > user_avg * ${m.factor}`,
      ];
    }
    return [{ ...queryBase(rule), query: lines.join('\n') }];
  },

  sigma: (rule) => notExported(rule, NEEDS_HISTORY.sigma(rule)),
  kibana: (rule) => notExported(rule, NEEDS_HISTORY.kibana(rule)),
};
