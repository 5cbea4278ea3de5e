/**
 * What the Splunk SPL and Sentinel KQL translations of every rule type share: the searched index or table, the
 * severity-ladder expression and KQL column lists. Each rule type writes its own searches
 * (detection/types/<type>-export.ts, ueba/siem-export.ts).
 *
 * SPL threshold searches slide exactly (`streamstats time_window`); KQL ones count in window-sized bins as the
 * seeds' KQL does, so schedule them with a look-back of twice the window to catch bursts across a bin edge.
 */
import type { Rule } from '../rule-schema.js';
import { kqlColumn } from './expressions.js';

/** Where the events are: the Splunk index and the Sentinel custom table. */
export const SPL_INDEX = 'index=ai_security';
export const KQL_TABLE = 'AISecurity_CL';

/** The common part of every query of a rule. */
export const queryBase = (rule: Rule) => ({ rule_id: rule.id, title: rule.title, severity: rule.severity });

/** KQL's typed column names of contract fields, comma-separated. */
export const kqlColumns = (fields: readonly string[]) => fields.map(kqlColumn).join(', ');

/** The severity the rule's ladder gives `column` (its own severity below every step). */
export const ladderEval = (rule: Rule, column: string, lang: 'spl' | 'kql'): string | undefined => {
  const steps = [...(rule.severity_ladder ?? [])].sort((a, b) => b.above - a.above);
  if (steps.length === 0) return undefined;
  const cases = steps.map((s) => `${column} > ${s.above}, "${s.severity}"`);
  return lang === 'spl' ? `| eval severity=case(${cases.join(', ')}, true(), "${rule.severity}")` : `| extend severity = case(${cases.join(', ')}, "${rule.severity}")`;
};
