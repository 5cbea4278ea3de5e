/**
 * A sequence rule (A then B by key within a window) in other SIEMs: an SPL `transaction`, a KQL self-join on the
 * keys, Sigma base rules for both steps plus a `temporal_ordered` correlation, and a Kibana EQL `sequence`.
 * A then-step field that must differ from the first step's has no form in Sigma or EQL; both say so.
 */
import type { SequenceRule } from '../rule-schema.js';
import { durationMs, formatDuration } from '../duration.js';
import { kql, kqlColumn, spl } from '../content-pack/expressions.js';
import { kibanaQuery } from '../content-pack/kibana-query.js';
import { intervalFor, kibanaRuleBase } from '../content-pack/kibana-rules.js';
import { exported, type RuleExport } from '../content-pack/rule-export.js';
import { baseRule, LEVEL, metadata } from '../content-pack/sigma-rules.js';
import { KQL_TABLE, kqlColumns, queryBase, SPL_INDEX } from '../content-pack/siem-queries.js';

export const sequenceExport: RuleExport<SequenceRule> = {
  spl: (rule, config) => [
    {
      ...queryBase(rule),
      query: [
        SPL_INDEX,
        `| where (${spl(rule.first.where, config)}) OR (${spl(rule.then.where, config)})`,
        `| transaction ${rule.group_by.join(' ')} maxspan=${rule.window} startswith=eval(${spl(rule.first.where, config)}) endswith=eval(${spl(rule.then.where, config)})`,
        '| where eventcount > 1',
        `| eval severity="${rule.severity}"`,
      ].join('\n'),
    },
  ],

  kql: (rule, config) => {
    const keys = kqlColumns(rule.group_by);
    const differsFrom = rule.then.differs_from_first ?? [];
    const differs = differsFrom.map((f) => `and ${kqlColumn(f)}1 != ${kqlColumn(f)}`).join(' ');
    return [
      {
        ...queryBase(rule),
        query: [
          `let firsts = ${KQL_TABLE} | where ${kql(rule.first.where, config)} | project first_time = TimeGenerated, ${keys}${differsFrom.map((f) => `, ${kqlColumn(f)}1 = ${kqlColumn(f)}`).join('')};`,
          `let thens = ${KQL_TABLE} | where ${kql(rule.then.where, config)} | project then_time = TimeGenerated, ${keys}${differsFrom.map((f) => `, ${kqlColumn(f)}`).join('')};`,
          'firsts',
          `| join kind=inner (thens) on ${keys}`,
          `| where then_time between (first_time .. (first_time + ${rule.window})) ${differs}`,
          `| summarize first_time = min(first_time), last_time = max(then_time), completions = count() by ${keys}`,
          `| extend severity = "${rule.severity}"`,
        ].join('\n'),
      },
    ];
  },

  sigma: (rule) => {
    const first = baseRule(rule, `${rule.id}_${rule.first.name}`, rule.first.where);
    const then = baseRule(rule, `${rule.id}_${rule.then.name}`, rule.then.where);
    const differs = rule.then.differs_from_first ?? [];
    return exported(first, then, {
      ...metadata(rule, `${rule.id}_sequence`, differs.length ? ` (then-step field difference not expressible: ${differs.join(', ')})` : ''),
      correlation: { type: 'temporal_ordered', rules: [first.name, then.name], 'group-by': rule.group_by, timespan: rule.window },
      level: LEVEL[rule.severity],
    });
  },

  kibana: (rule, config, index) => {
    const window = durationMs(rule.window);
    const interval = intervalFor(window);
    const differs = rule.then.differs_from_first ?? [];
    const query = [
      `sequence by ${rule.group_by.join(', ')} with maxspan=${formatDuration(window)}`,
      `  [any where ${kibanaQuery(rule.first.where, config, 'eql')}]`,
      `  [any where ${kibanaQuery(rule.then.where, config, 'eql')}]`,
    ].join('\n');
    return exported({
      ...kibanaRuleBase(rule, index, {
        id: rule.id,
        interval,
        // a sequence may start up to one window before the run that sees its last event
        lookback: window + interval,
        ...(differs.length ? { note: `EQL cannot compare fields across a sequence's events: check that ${differs.join(', ')} differs between the two steps.` } : {}),
      }),
      type: 'eql',
      language: 'eql',
      query,
      event_category_override: 'category',
    });
  },
};
