/**
 * The `ueba` rule type's export: Splunk SPL and Sentinel KQL, for teams that run the content in their own SIEM.
 * They compute the same features over the same windows with the same practical guards (minimum ratio, minimum
 * excess, minimum history); the tail-probability score itself is the service's and is not reproduced — a SIEM
 * search that passes the guards is the candidate the service would then score. Sigma and Kibana rules cannot
 * compute per-entity baselines; UEBA rules are left out of both.
 */
import type { DetectionConfig } from '../detection/config-schema.js';
import { kql, kqlColumn, spl } from '../detection/content-pack/expressions.js';
import { NEEDS_HISTORY, notExported, type GeneratedQuery, type RuleExport } from '../detection/content-pack/rule-export.js';
import type { UebaRule } from '../detection/rule-schema.js';
import { ENTITY_FIELD } from './entities.js';
import { uebaParams } from './ueba-evaluator.js';

const kinds = (rule: UebaRule) => (rule.anomaly === 'peer_outlier' ? (['user'] as const) : rule.entity_kinds);

function uebaSplQueries(rule: UebaRule, config: DetectionConfig): GeneratedQuery[] {
  return kinds(rule).map((kind) => {
    const p = uebaParams(rule, kind);
    const by = ENTITY_FIELD[kind];
    const head = `index=ai_security earliest=-${Math.ceil(p.lookback_days)}d@h | where ${spl(rule.where, config)} AND isnotnull(${by})`;
    const hourly = `| bin _time span=1h`;
    const recent = `_time >= relative_time(now(), "-1h@h")`;
    let lines: string[];
    switch (rule.anomaly) {
      case 'volume_spike':
        lines = [
          head,
          hourly,
          `| stats count AS requests BY _time, ${by}`,
          '| eval slot=strftime(_time, "%a %H")',
          `| eventstats median(requests) AS typical, dc(_time) AS active_hours, min(_time) AS first_seen BY ${by}`,
          `| eventstats median(requests) AS seasonal BY ${by}, slot`,
          '| eval expected=max(seasonal, typical, 1)',
          `| where ${recent} AND active_hours >= ${p.min_active_hours} AND first_seen <= relative_time(now(), "-${p.min_history_days}d")`,
          `| where requests >= ${p.min_ratio} * expected AND requests - expected >= ${p.min_excess}`,
        ];
        break;
      case 'token_shift':
        lines = [
          head,
          `| eventstats median(tokens_out) AS baseline_median, count AS baseline_requests BY ${by}`,
          hourly,
          `| stats median(tokens_out) AS hour_median, count AS requests, first(baseline_median) AS baseline_median, first(baseline_requests) AS baseline_requests BY _time, ${by}`,
          `| where ${recent} AND requests >= ${p.min_requests} AND baseline_requests >= ${p.min_baseline_requests} AND hour_median >= ${p.min_ratio} * baseline_median`,
        ];
        break;
      case 'cost_spike':
        lines = [
          head,
          hourly,
          `| stats sum(cost_usd) AS cost, count AS requests BY _time, ${by}`,
          `| eventstats median(cost) AS typical, perc99(cost) AS p99, count AS active_hours BY ${by}`,
          `| where ${recent} AND active_hours >= ${p.min_active_hours} AND cost >= ${p.min_ratio} * typical AND cost > p99`,
        ];
        break;
      case 'new_country':
      case 'new_model_for_user': {
        const value = rule.anomaly === 'new_country' ? 'src_country' : 'model';
        lines = [
          head,
          `| eventstats count AS history_events, min(_time) AS first_event BY ${by}`,
          `| stats min(_time) AS first_seen, count AS events, first(history_events) AS history_events, first(first_event) AS first_event BY ${by}, ${value}`,
          `| where first_seen >= relative_time(now(), "-1h@h") AND history_events >= ${p.min_history_events} AND first_event <= relative_time(now(), "-${p.min_history_days}d")`,
        ];
        break;
      }
      case 'off_profile_hours':
        lines = [
          head,
          hourly,
          `| stats count AS requests BY _time, ${by}`,
          '| eval hour=tonumber(strftime(_time, "%H"))',
          `| eventstats count AS active_hours BY ${by}`,
          `| eventstats count AS at_hour BY ${by}, hour`,
          '| eval share=(at_hour + 0.5) / (active_hours + 12)',
          `| where ${recent} AND active_hours >= ${p.min_active_hours} AND requests >= ${p.min_requests} AND share <= ${p.max_hour_share}`,
        ];
        break;
      case 'peer_outlier':
        lines = [
          `index=ai_security earliest=-1h@h | where ${spl(rule.where, config)} AND isnotnull(user_id) AND isnotnull(user_department)`,
          hourly,
          '| stats count AS requests, sum(tokens_out) AS tokens_out BY _time, user_department, user_id',
          '| eventstats median(requests) AS peer_requests, median(tokens_out) AS peer_tokens_out, dc(user_id) AS peers BY _time, user_department',
          `| where peers >= ${p.min_peers} AND (requests >= ${p.min_ratio} * max(peer_requests, 1) OR tokens_out >= ${p.min_ratio} * max(peer_tokens_out, 1))`,
        ];
        break;
    }
    return { rule_id: rule.id, signal: kind, title: rule.title, severity: rule.severity, query: lines.join('\n') };
  });
}

function uebaKqlQueries(rule: UebaRule, config: DetectionConfig): GeneratedQuery[] {
  return kinds(rule).map((kind) => {
    const p = uebaParams(rule, kind);
    const by = kqlColumn(ENTITY_FIELD[kind]);
    const head = `AISecurity_CL\n| where TimeGenerated > ago(${Math.ceil(p.lookback_days)}d)\n| where ${kql(rule.where, config)} and isnotempty(${by})`;
    const recent = 'hour >= startofhour(now(-1h))';
    let lines: string[];
    switch (rule.anomaly) {
      case 'volume_spike':
        lines = [
          head,
          `| summarize requests = count() by ${by}, hour = bin(TimeGenerated, 1h)`,
          '| extend slot = strcat(dayofweek(hour) / 1d, ":", hourofday(hour))',
          `| join kind=inner (AISecurity_CL | where TimeGenerated > ago(${Math.ceil(p.lookback_days)}d) | where ${kql(rule.where, config)} | summarize requests = count() by ${by}, hour = bin(TimeGenerated, 1h) | summarize typical = percentile(requests, 50), active_hours = count(), first_seen = min(hour) by ${by}) on ${by}`,
          `| join kind=inner (AISecurity_CL | where TimeGenerated > ago(${Math.ceil(p.lookback_days)}d) | where ${kql(rule.where, config)} | summarize requests = count() by ${by}, hour = bin(TimeGenerated, 1h) | extend slot = strcat(dayofweek(hour) / 1d, ":", hourofday(hour)) | summarize seasonal = percentile(requests, 50) by ${by}, slot) on ${by}, slot`,
          '| extend expected = max_of(seasonal, typical, 1)',
          `| where ${recent} and active_hours >= ${p.min_active_hours} and first_seen <= ago(${p.min_history_days}d)`,
          `| where requests >= ${p.min_ratio} * expected and requests - expected >= ${p.min_excess}`,
        ];
        break;
      case 'token_shift':
        lines = [
          `let baseline = ${head.replace(/\n/g, ' ')} | summarize baseline_median = percentile(tokens_out_d, 50), baseline_requests = count() by ${by};`,
          head,
          '| where TimeGenerated >= startofhour(now(-1h))',
          `| summarize hour_median = percentile(tokens_out_d, 50), requests = count() by ${by}, hour = bin(TimeGenerated, 1h)`,
          `| join kind=inner baseline on ${by}`,
          `| where requests >= ${p.min_requests} and baseline_requests >= ${p.min_baseline_requests} and hour_median >= ${p.min_ratio} * baseline_median`,
        ];
        break;
      case 'cost_spike':
        lines = [
          head,
          `| summarize cost = sum(cost_usd_d), requests = count() by ${by}, hour = bin(TimeGenerated, 1h)`,
          `| join kind=inner (${head.replace(/\n/g, ' ')} | summarize cost = sum(cost_usd_d) by ${by}, hour = bin(TimeGenerated, 1h) | summarize typical = percentile(cost, 50), p99 = percentile(cost, 99), active_hours = count() by ${by}) on ${by}`,
          `| where ${recent} and active_hours >= ${p.min_active_hours} and cost >= ${p.min_ratio} * typical and cost > p99`,
        ];
        break;
      case 'new_country':
      case 'new_model_for_user': {
        const value = kqlColumn(rule.anomaly === 'new_country' ? 'src_country' : 'model');
        lines = [
          `let history = ${head.replace(/\n/g, ' ')} | where TimeGenerated < startofhour(now(-1h)) | summarize history_events = count(), first_event = min(TimeGenerated), known = make_set(${value}) by ${by};`,
          head,
          '| where TimeGenerated >= startofhour(now(-1h))',
          `| summarize first_seen = min(TimeGenerated), events = count() by ${by}, ${value}`,
          `| join kind=inner history on ${by}`,
          `| where history_events >= ${p.min_history_events} and first_event <= ago(${p.min_history_days}d) and not(set_has_element(known, ${value}))`,
        ];
        break;
      }
      case 'off_profile_hours':
        lines = [
          head,
          `| summarize requests = count() by ${by}, hour = bin(TimeGenerated, 1h)`,
          `| extend hod = hourofday(hour)`,
          `| join kind=inner (${head.replace(/\n/g, ' ')} | summarize by ${by}, hour = bin(TimeGenerated, 1h) | summarize active_hours = count() by ${by}) on ${by}`,
          `| join kind=leftouter (${head.replace(/\n/g, ' ')} | summarize by ${by}, hour = bin(TimeGenerated, 1h) | summarize at_hour = count() by ${by}, hod = hourofday(hour)) on ${by}, hod`,
          '| extend share = (coalesce(at_hour, 0) + 0.5) / (active_hours + 12)',
          `| where ${recent} and active_hours >= ${p.min_active_hours} and requests >= ${p.min_requests} and share <= ${p.max_hour_share}`,
        ];
        break;
      case 'peer_outlier':
        lines = [
          'AISecurity_CL',
          '| where TimeGenerated >= startofhour(now(-1h))',
          `| where ${kql(rule.where, config)} and isnotempty(user_id_s) and isnotempty(user_department_s)`,
          '| summarize requests = count(), tokens_out = sum(tokens_out_d) by user_id_s, user_department_s, hour = bin(TimeGenerated, 1h)',
          '| join kind=inner (AISecurity_CL | where TimeGenerated >= startofhour(now(-1h)) | summarize requests = count(), tokens_out = sum(tokens_out_d) by user_id_s, user_department_s, hour = bin(TimeGenerated, 1h)',
          '    | summarize peer_requests = percentile(requests, 50), peer_tokens_out = percentile(tokens_out, 50), peers = dcount(user_id_s) by user_department_s, hour) on user_department_s, hour',
          `| where peers >= ${p.min_peers} and (requests >= ${p.min_ratio} * max_of(peer_requests, 1) or tokens_out >= ${p.min_ratio} * max_of(peer_tokens_out, 1))`,
        ];
        break;
    }
    return { rule_id: rule.id, signal: kind, title: rule.title, severity: rule.severity, query: lines.join('\n') };
  });
}

export const uebaExport: RuleExport<UebaRule> = {
  spl: uebaSplQueries,
  kql: uebaKqlQueries,
  sigma: (rule) => notExported(rule, NEEDS_HISTORY.sigma(rule)),
  kibana: (rule) => notExported(rule, NEEDS_HISTORY.kibana(rule)),
};
