/**
 * A threshold rule in other SIEMs, one search (or rule set) per signal: SPL slides the window exactly
 * (`streamstats time_window`), KQL counts in window-sized bins; Sigma gets a base rule plus an `event_count` /
 * `value_count` correlation per severity-ladder step; Kibana a `threshold` rule per step. A signal a format cannot
 * express (a time-of-day condition) is left out of that format on its own.
 */
import type { DetectionConfig } from '../config-schema.js';
import { durationMs, formatDuration } from '../duration.js';
import type { ThresholdRule, ThresholdSignal } from '../rule-schema.js';
import { kql, kqlColumn, spl } from '../content-pack/expressions.js';
import { kibanaQuery } from '../content-pack/kibana-query.js';
import { atLeast, intervalFor, kibanaRuleBase, type KibanaRule } from '../content-pack/kibana-rules.js';
import { NotExpressible, type Exported, type RuleExport } from '../content-pack/rule-export.js';
import { baseRule, LEVEL, levelSteps, metadata } from '../content-pack/sigma-rules.js';
import { KQL_TABLE, kqlColumns, ladderEval, queryBase, SPL_INDEX } from '../content-pack/siem-queries.js';

/** Each signal's translation; a signal that throws NotExpressible is skipped alone. */
function perSignal<T>(rule: ThresholdRule, translate: (signal: ThresholdSignal) => T[]): Exported<T> {
  const result: Exported<T> = { items: [], skipped: [] };
  for (const signal of rule.signals) {
    try {
      result.items.push(...translate(signal));
    } catch (error) {
      if (!(error instanceof NotExpressible)) throw error;
      result.skipped.push({ rule_id: rule.id, signal: signal.name, reason: error.message });
    }
  }
  return result;
}

const signalLabel = (rule: ThresholdRule, signal: ThresholdSignal) => (rule.signals.length > 1 ? { signal: signal.name } : {});

function kibanaRules(rule: ThresholdRule, signal: ThresholdSignal, config: DetectionConfig, index: string[]): KibanaRule[] {
  const window = durationMs(signal.window ?? rule.window);
  const interval = intervalFor(window);
  const query = kibanaQuery(signal.where, config, 'kuery');
  const steps = [{ severity: rule.severity, value: atLeast(signal.operator, signal.threshold), label: '' }];
  for (const step of rule.severity_ladder ?? []) steps.push({ severity: step.severity, value: atLeast('gt', step.above), label: step.severity });
  const single = rule.signals.length === 1;
  return steps.map((step): KibanaRule => {
    const idParts = [rule.id, ...(single ? [] : [signal.name]), ...(step.label ? [step.label] : [])];
    const suffix = `${single ? '' : ` — ${signal.name.replace(/_/g, ' ')}`}${step.label ? ` (${step.label}: ${signal.distinct ? 'distinct ' : ''}count ≥ ${step.value})` : ''}`;
    const counted = signal.distinct ? `distinct ${signal.distinct} values` : 'events';
    return {
      ...kibanaRuleBase(rule, index, {
        id: idParts.join('.'),
        suffix,
        signal: signal.name,
        severity: step.severity,
        interval,
        // the look-back is the window itself: each run counts the window ending at it, runs overlap, nothing is missed
        lookback: window,
        note: `Counts ${counted} by ${signal.group_by.join(', ')} in the ${formatDuration(window)} before each run (every ${formatDuration(interval)}); the aisec engine slides the window exactly.`,
      }),
      type: 'threshold',
      language: 'kuery',
      query,
      threshold: signal.distinct
        ? { field: [...signal.group_by], value: 1, cardinality: [{ field: signal.distinct, value: step.value }] }
        : { field: [...signal.group_by], value: step.value },
    };
  });
}

export const thresholdExport: RuleExport<ThresholdRule> = {
  spl: (rule, config) =>
    rule.signals.map((signal) => {
      const keys = signal.group_by.join(', ');
      const agg = signal.distinct ? `dc(${signal.distinct})` : 'count';
      const op = signal.operator === 'gt' ? '>' : '>=';
      const lines = [
        SPL_INDEX,
        `| where ${spl(signal.where, config)}`,
        `| where ${signal.group_by.map((k) => `isnotnull(${k})`).join(' AND ')}`,
        '| sort 0 _time',
        `| streamstats time_window=${signal.window ?? rule.window} ${agg} AS observed BY ${keys}`,
        `| where observed ${op} ${signal.threshold}`,
        `| stats min(_time) AS first_fired, max(_time) AS last_fired, max(observed) AS observed BY ${keys}`,
        ladderEval(rule, 'observed', 'spl') ?? `| eval severity="${rule.severity}"`,
      ];
      return { ...queryBase(rule), ...signalLabel(rule, signal), query: lines.join('\n') };
    }),

  kql: (rule, config) =>
    rule.signals.map((signal) => {
      const window = signal.window ?? rule.window;
      const agg = signal.distinct ? `dcount(${kqlColumn(signal.distinct)})` : 'count()';
      const op = signal.operator === 'gt' ? '>' : '>=';
      const lines = [
        KQL_TABLE,
        `| where ${kql(signal.where, config)}`,
        `| summarize observed = ${agg}, first_seen = min(TimeGenerated), last_seen = max(TimeGenerated) by ${kqlColumns(signal.group_by)}, bin(TimeGenerated, ${window})`,
        `| where observed ${op} ${signal.threshold}`,
        ladderEval(rule, 'observed', 'kql') ?? `| extend severity = "${rule.severity}"`,
      ];
      return { ...queryBase(rule), ...signalLabel(rule, signal), query: lines.join('\n') };
    }),

  sigma: (rule) =>
    perSignal(rule, (signal) => {
      const baseName = `${rule.id}_${signal.name}`;
      const base = baseRule(rule, baseName, signal.where);
      const window = signal.window ?? rule.window;
      const correlations = levelSteps(rule, signal.threshold, signal.operator).map((step, i) => ({
        ...metadata(rule, `${baseName}_correlation${i ? `_${step.severity}` : ''}`, step.suffix),
        correlation: {
          type: signal.distinct ? 'value_count' : 'event_count',
          rules: [baseName],
          'group-by': signal.group_by,
          timespan: window,
          condition: { ...step.condition, ...(signal.distinct ? { field: signal.distinct } : {}) },
        },
        level: LEVEL[step.severity],
      }));
      return [base, ...correlations];
    }),

  kibana: (rule, config, index) => perSignal(rule, (signal) => kibanaRules(rule, signal, config, index)),
};
