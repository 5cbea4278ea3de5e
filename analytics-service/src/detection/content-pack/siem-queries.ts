/**
 * Splunk SPL and Sentinel KQL searches generated from the rule definitions, one per rule (and signal).
 * SPL threshold searches slide exactly (`streamstats time_window`); KQL ones count in window-sized bins as the
 * seeds' KQL does, so schedule them with a look-back of twice the window to catch bursts across a bin edge.
 */
import type { DetectionConfig } from '../config-schema.js';
import { durationMs, formatDuration } from '../duration.js';
import type { Rule } from '../rule-schema.js';
import { kql, kqlColumn, kqlDetector, spl, splDetector } from './expressions.js';
import { uebaKqlQueries, uebaSplQueries } from '../../ueba/content-pack.js';

export interface GeneratedQuery {
  rule_id: string;
  signal?: string;
  title: string;
  severity: string;
  query: string;
}

const ladderEval = (rule: Rule, column: string, lang: 'spl' | 'kql'): string | undefined => {
  const steps = [...(rule.severity_ladder ?? [])].sort((a, b) => b.above - a.above);
  if (steps.length === 0) return undefined;
  const cases = steps.map((s) => (lang === 'spl' ? `${column} > ${s.above}, "${s.severity}"` : `${column} > ${s.above}, "${s.severity}"`));
  return lang === 'spl' ? `| eval severity=case(${cases.join(', ')}, true(), "${rule.severity}")` : `| extend severity = case(${cases.join(', ')}, "${rule.severity}")`;
};

export function splQueries(rule: Rule, config: DetectionConfig): GeneratedQuery[] {
  const base = { rule_id: rule.id, title: rule.title, severity: rule.severity };
  const head = 'index=ai_security';
  switch (rule.type) {
    case 'threshold':
      return rule.signals.map((signal) => {
        const keys = signal.group_by.join(', ');
        const agg = signal.distinct ? `dc(${signal.distinct})` : 'count';
        const op = signal.operator === 'gt' ? '>' : '>=';
        const lines = [
          head,
          `| where ${spl(signal.where, config)}`,
          `| where ${signal.group_by.map((k) => `isnotnull(${k})`).join(' AND ')}`,
          '| sort 0 _time',
          `| streamstats time_window=${signal.window ?? rule.window} ${agg} AS observed BY ${keys}`,
          `| where observed ${op} ${signal.threshold}`,
          `| stats min(_time) AS first_fired, max(_time) AS last_fired, max(observed) AS observed BY ${keys}`,
          ladderEval(rule, 'observed', 'spl') ?? `| eval severity="${rule.severity}"`,
        ];
        return { ...base, ...(rule.signals.length > 1 ? { signal: signal.name } : {}), query: lines.join('\n') };
      });
    case 'sequence':
      return [
        {
          ...base,
          query: [
            head,
            `| where (${spl(rule.first.where, config)}) OR (${spl(rule.then.where, config)})`,
            `| transaction ${rule.group_by.join(' ')} maxspan=${rule.window} startswith=eval(${spl(rule.first.where, config)}) endswith=eval(${spl(rule.then.where, config)})`,
            '| where eventcount > 1',
            `| eval severity="${rule.severity}"`,
          ].join('\n'),
        },
      ];
    case 'new_terms':
      return [
        {
          ...base,
          query: [
            `${head} earliest=-${rule.history}`,
            `| where ${spl(rule.where, config)}${rule.approved.length ? ` AND NOT in(${rule.field}, ${rule.approved.map((a) => `"${a}"`).join(', ')})` : ''}`,
            `| stats min(_time) AS first_seen, count BY ${rule.field}`,
            `| where first_seen >= relative_time(now(), "-${rule.window}")`,
          ].join('\n'),
        },
      ];
    case 'baseline_deviation':
      if (rule.measure.kind === 'event_tokens_out') {
        const m = rule.measure;
        return [
          {
            ...base,
            query: [
              `${head} earliest=-${m.baseline_window}`,
              `| where ${spl(rule.where, config)}`,
              `| eventstats avg(tokens_out) AS baseline_tokens, count AS baseline_events BY ${m.baseline_by}`,
              '| eval ratio=tokens_out/max(coalesce(tokens_in, 0), 1)',
              `| where (baseline_events >= ${m.min_baseline_events} AND tokens_out > baseline_tokens * ${m.factor})${m.max_out_in_ratio !== undefined ? ` OR ratio > ${m.max_out_in_ratio}` : ''}`,
              `| table _time, ${rule.group_by.join(', ')}, tokens_in, tokens_out, ratio, baseline_tokens`,
            ].join('\n'),
          },
        ];
      } else {
        const m = rule.measure;
        return [
          {
            ...base,
            query: [
              `${head} earliest=-${m.baseline_window}`,
              `| where ${spl(rule.where, config)}`,
              '| stats max(session_cost_usd) AS reported, sum(cost_usd) AS summed, max(_time) AS last_seen BY user_id, session_id',
              '| eval session_cost=coalesce(reported, summed)',
              '| eventstats avg(session_cost) AS user_avg_session_cost, count AS sessions BY user_id',
              `| where sessions >= ${m.min_baseline_sessions} AND session_cost >= ${m.min_session_cost_usd} AND session_cost > user_avg_session_cost * ${m.factor}`,
            ].join('\n'),
          },
        ];
      }
    case 'drift':
      return [
        {
          ...base,
          query: [
            `${head} earliest=-${rule.trailing_days + 1}d@d`,
            `| where ${spl(rule.where, config)}`,
            '| bin _time span=1d',
            `| stats avg(${rule.field}) AS daily_mean, count AS events BY _time, ${rule.by}`,
            `| where events >= ${rule.min_events_per_day}`,
            `| streamstats window=${rule.trailing_days} current=f avg(daily_mean) AS trailing_mean, count AS trailing_days BY ${rule.by}`,
            `| where trailing_days >= ${rule.min_trailing_days} AND abs(daily_mean - trailing_mean) > ${rule.max_abs_diff}`,
          ].join('\n'),
        },
      ];
    case 'ueba':
      return uebaSplQueries(rule, config);
    case 'content_match':
      return [
        {
          ...base,
          query: [
            head,
            `| where ${spl(rule.where, config)}`,
            `| where ${rule.fields.flatMap((f) => rule.detectors.map((d) => splDetector(d, f))).join(' OR ')}`,
            `| stats count AS matches, min(_time) AS first_seen, max(_time) AS last_seen BY ${rule.group_by.join(', ')}`,
            ...(rule.detectors.some((d) => d.kind === 'luhn_card') ? ['``` card numbers: verify the Luhn checksum of matches before acting ```'] : []),
          ].join('\n'),
        },
      ];
    default:
      // a rule type without a SIEM translation (e.g. one added later) is left out of the pack
      return [];
  }
}

export function kqlQueries(rule: Rule, config: DetectionConfig): GeneratedQuery[] {
  const base = { rule_id: rule.id, title: rule.title, severity: rule.severity };
  const head = 'AISecurity_CL';
  const cols = (fields: readonly string[]) => fields.map(kqlColumn).join(', ');
  switch (rule.type) {
    case 'threshold':
      return rule.signals.map((signal) => {
        const window = signal.window ?? rule.window;
        const agg = signal.distinct ? `dcount(${kqlColumn(signal.distinct)})` : 'count()';
        const op = signal.operator === 'gt' ? '>' : '>=';
        const lines = [
          head,
          `| where ${kql(signal.where, config)}`,
          `| summarize observed = ${agg}, first_seen = min(TimeGenerated), last_seen = max(TimeGenerated) by ${cols(signal.group_by)}, bin(TimeGenerated, ${window})`,
          `| where observed ${op} ${signal.threshold}`,
          ladderEval(rule, 'observed', 'kql') ?? `| extend severity = "${rule.severity}"`,
        ];
        return { ...base, ...(rule.signals.length > 1 ? { signal: signal.name } : {}), query: lines.join('\n') };
      });
    case 'sequence': {
      const keys = cols(rule.group_by);
      const differs = (rule.then.differs_from_first ?? []).map((f) => `and ${kqlColumn(f)}1 != ${kqlColumn(f)}`).join(' ');
      return [
        {
          ...base,
          query: [
            `let firsts = ${head} | where ${kql(rule.first.where, config)} | project first_time = TimeGenerated, ${keys}${(rule.then.differs_from_first ?? []).map((f) => `, ${kqlColumn(f)}1 = ${kqlColumn(f)}`).join('')};`,
            `let thens = ${head} | where ${kql(rule.then.where, config)} | project then_time = TimeGenerated, ${keys}${(rule.then.differs_from_first ?? []).map((f) => `, ${kqlColumn(f)}`).join('')};`,
            'firsts',
            `| join kind=inner (thens) on ${keys}`,
            `| where then_time between (first_time .. (first_time + ${rule.window})) ${differs}`,
            `| summarize first_time = min(first_time), last_time = max(then_time), completions = count() by ${keys}`,
            `| extend severity = "${rule.severity}"`,
          ].join('\n'),
        },
      ];
    }
    case 'new_terms': {
      const c = kqlColumn(rule.field);
      return [
        {
          ...base,
          query: [
            head,
            `| where TimeGenerated > ago(${formatDuration(durationMs(rule.history))})`,
            `| where ${kql(rule.where, config)}${rule.approved.length ? ` and ${c} !in (${rule.approved.map((a) => `"${a}"`).join(', ')})` : ''}`,
            `| summarize first_seen = min(TimeGenerated), events = count() by ${c}`,
            `| where first_seen > ago(${rule.window})`,
          ].join('\n'),
        },
      ];
    }
    case 'baseline_deviation':
      if (rule.measure.kind === 'event_tokens_out') {
        const m = rule.measure;
        const by = kqlColumn(m.baseline_by);
        return [
          {
            ...base,
            query: [
              `let baseline = ${head} | where TimeGenerated between (ago(${m.baseline_window}) .. startofday(now())) | where ${kql(rule.where, config)}`,
              `    | summarize baseline_tokens = avg(tokens_out_d), baseline_events = count() by ${by};`,
              head,
              '| where TimeGenerated > startofday(now())',
              `| where ${kql(rule.where, config)}`,
              `| join kind=leftouter baseline on ${by}`,
              '| extend ratio = tokens_out_d / max_of(tokens_in_d, 1)',
              `| where (baseline_events >= ${m.min_baseline_events} and tokens_out_d > baseline_tokens * ${m.factor})${m.max_out_in_ratio !== undefined ? ` or ratio > ${m.max_out_in_ratio}` : ''}`,
              `| project TimeGenerated, ${cols(rule.group_by)}, tokens_in_d, tokens_out_d, ratio, baseline_tokens`,
            ].join('\n'),
          },
        ];
      } else {
        const m = rule.measure;
        return [
          {
            ...base,
            query: [
              `let sessions = ${head} | where TimeGenerated > ago(${m.baseline_window}) | where ${kql(rule.where, config)}`,
              '    | summarize session_cost = coalesce(max(session_cost_usd_d), sum(cost_usd_d)), last_seen = max(TimeGenerated) by user_id_s, session_id_s;',
              'let baseline = sessions | where last_seen < startofday(now()) | summarize user_avg = avg(session_cost), baseline_sessions = count() by user_id_s;',
              'sessions',
              '| where last_seen >= startofday(now())',
              '| join kind=inner baseline on user_id_s',
              `| where baseline_sessions >= ${m.min_baseline_sessions} and session_cost >= ${m.min_session_cost_usd} and session_cost > user_avg * ${m.factor}`,
            ].join('\n'),
          },
        ];
      }
    case 'drift': {
      const by = kqlColumn(rule.by);
      const prev = Array.from({ length: rule.trailing_days }, (_, i) => `prev(daily_mean, ${i + 1})`).join(', ');
      return [
        {
          ...base,
          query: [
            head,
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
    }
    case 'ueba':
      return uebaKqlQueries(rule, config);
    case 'content_match':
      return [
        {
          ...base,
          query: [
            head,
            `| where ${kql(rule.where, config)}`,
            `| where ${rule.fields.flatMap((f) => rule.detectors.map((d) => kqlDetector(d, f))).join(' or ')}`,
            `| summarize matches = count(), first_seen = min(TimeGenerated), last_seen = max(TimeGenerated) by ${cols(rule.group_by)}`,
          ].join('\n'),
        },
      ];
    default:
      return [];
  }
}
