/**
 * The constraints Kibana puts on a detection rule it imports, written out by hand from Elastic's published OpenAPI
 * schema of the Detections API (API version 2023-10-31) in elastic/kibana, as stored in its main branch:
 *
 *  - x-pack/solutions/security/plugins/security_solution/common/api/detection_engine/model/rule_schema/
 *    rule_schemas.schema.yaml (commit 026d206a): SharedCreateProps (BaseRequiredFields, BaseOptionalFields,
 *    BaseDefaultableFields, rule_id) and the create fields of the query, threshold, eql and new_terms types;
 *  - …/rule_schema/common_attributes.schema.yaml (commit 00c7693b): RuleName and RuleDescription (minLength 1),
 *    RiskScore (integer 0–100 and its severity bands), Severity, RuleVersion (integer ≥ 1), MaxSignals (≥ 1),
 *    RuleIntervalFrom (date math), KqlQueryLanguage, Threat / ThreatTactic / ThreatTechnique / ThreatSubtechnique;
 *  - …/rule_schema/specific_attributes/threshold_attributes.schema.yaml (commit 586dfe72): Threshold (field, value
 *    integer ≥ 1, cardinality items with value integer ≥ 0);
 *  - …/rule_schema/specific_attributes/new_terms_attributes.schema.yaml (commit d43afeb2): NewTermsFields (1–3
 *    items), HistoryWindowStart (non-empty);
 *  - …/rule_management/import_rules/rule_to_import.ts and rule_to_import_validation.ts: rule_id and version are
 *    required on import; a threshold groups by at most 5 fields and never counts the cardinality of one of them.
 *
 * The schema itself is not copied here (its licence is not ours); each check names the schema part it follows.
 */

type Json = Record<string, unknown>;

const SEVERITIES = ['low', 'medium', 'high', 'critical'];
const RULE_TYPES = ['eql', 'query', 'saved_query', 'threshold', 'threat_match', 'machine_learning', 'new_terms', 'esql'];
/** RiskScore's description: the band of risk scores each severity stands for. */
export const RISK_BANDS: Readonly<Record<string, [number, number]>> = { low: [0, 21], medium: [22, 47], high: [48, 73], critical: [74, 100] };

/** Properties of BaseRequiredFields, BaseOptionalFields, BaseDefaultableFields and SharedCreateProps' rule_id. */
const SHARED = [
  'name', 'description', 'risk_score', 'severity',
  'rule_name_override', 'timestamp_override', 'timestamp_override_fallback_disabled', 'timeline_id', 'timeline_title',
  'outcome', 'alias_target_id', 'alias_purpose', 'license', 'note', 'building_block_type', 'output_index', 'namespace',
  'meta', 'investigation_fields', 'throttle', 'response_actions',
  'version', 'tags', 'enabled', 'risk_score_mapping', 'severity_mapping', 'interval', 'from', 'to', 'actions',
  'exceptions_list', 'author', 'false_positives', 'references', 'max_signals', 'threat', 'setup', 'related_integrations',
  'required_fields', 'rule_id', 'type',
];
/** Each type's create fields (required, optional and defaultable). */
const TYPE_FIELDS: Readonly<Record<string, string[]>> = {
  query: ['index', 'data_view_id', 'filters', 'saved_id', 'alert_suppression', 'query', 'language'],
  threshold: ['query', 'threshold', 'index', 'data_view_id', 'filters', 'saved_id', 'alert_suppression', 'language'],
  eql: ['query', 'language', 'index', 'data_view_id', 'filters', 'event_category_override', 'tiebreaker_field', 'timestamp_field', 'alert_suppression'],
  new_terms: ['query', 'new_terms_fields', 'history_window_start', 'index', 'data_view_id', 'filters', 'alert_suppression', 'language'],
};
const REQUIRED_BY_TYPE: Readonly<Record<string, string[]>> = {
  query: [],
  threshold: ['query', 'threshold'],
  eql: ['query', 'language'],
  new_terms: ['query', 'new_terms_fields', 'history_window_start'],
};

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Date math as Kibana's rule `from` takes it: `now`, optionally minus an amount of s, m, h, d, w, M or y. */
export const DATE_MATH = /^now(-\d+[smhdwMy])?$/;
/** The alerting framework's schedule interval: a whole number of s, m, h or d. */
export const INTERVAL = /^[1-9]\d*[smhd]$/;

function checkThreatRef(ref: unknown, where: string, errors: string[]): void {
  if (!isObject(ref)) return void errors.push(`${where} must be an object`);
  for (const key of ['id', 'name', 'reference']) if (typeof ref[key] !== 'string') errors.push(`${where}.${key} is required and must be a string (ThreatTactic/ThreatTechnique)`);
}

/** Every constraint broken, as messages naming the property; empty when Kibana's import would take the rule. */
export function kibanaRuleErrors(rule: unknown): string[] {
  const errors: string[] = [];
  if (!isObject(rule)) return ['a rule must be a JSON object'];
  const type = rule.type;
  if (typeof type !== 'string' || !RULE_TYPES.includes(type)) return [`type must be one of ${RULE_TYPES.join(', ')} (got ${JSON.stringify(type)})`];
  const typeFields = TYPE_FIELDS[type];
  if (!typeFields) return [`type ${type} is not one this checker knows`];

  // BaseRequiredFields; rule_id and version required on import (rule_to_import.ts)
  for (const key of ['name', 'description', 'risk_score', 'severity', 'rule_id', 'version', ...REQUIRED_BY_TYPE[type]!]) {
    if (rule[key] === undefined) errors.push(`${key} is required`);
  }
  for (const key of Object.keys(rule)) if (!SHARED.includes(key) && !typeFields.includes(key)) errors.push(`${key} is not a property of a ${type} rule`);

  if (rule.name !== undefined && (typeof rule.name !== 'string' || rule.name.length < 1)) errors.push('name must be a non-empty string (RuleName)');
  if (rule.description !== undefined && (typeof rule.description !== 'string' || rule.description.length < 1)) errors.push('description must be a non-empty string (RuleDescription)');
  if (rule.risk_score !== undefined && (!isInteger(rule.risk_score) || rule.risk_score < 0 || rule.risk_score > 100)) errors.push('risk_score must be an integer from 0 to 100 (RiskScore)');
  if (rule.severity !== undefined && !SEVERITIES.includes(rule.severity as string)) errors.push(`severity must be one of ${SEVERITIES.join(', ')} (Severity)`);
  if (rule.rule_id !== undefined && typeof rule.rule_id !== 'string') errors.push('rule_id must be a string (RuleSignatureId)');
  if (rule.version !== undefined && (!isInteger(rule.version) || rule.version < 1)) errors.push('version must be an integer ≥ 1 (RuleVersion)');
  if (rule.enabled !== undefined && typeof rule.enabled !== 'boolean') errors.push('enabled must be a boolean (IsRuleEnabled)');
  if (rule.interval !== undefined && (typeof rule.interval !== 'string' || !INTERVAL.test(rule.interval))) errors.push(`interval must be a duration such as 5m (RuleInterval; got ${JSON.stringify(rule.interval)})`);
  if (rule.from !== undefined && (typeof rule.from !== 'string' || !DATE_MATH.test(rule.from))) errors.push(`from must be date math such as now-6m (RuleIntervalFrom; got ${JSON.stringify(rule.from)})`);
  if (rule.to !== undefined && typeof rule.to !== 'string') errors.push('to must be a string (RuleIntervalTo)');
  if (rule.max_signals !== undefined && (!isInteger(rule.max_signals) || rule.max_signals < 1)) errors.push('max_signals must be an integer ≥ 1 (MaxSignals)');
  for (const key of ['tags', 'author', 'false_positives', 'references', 'index']) {
    if (rule[key] !== undefined && !isStringArray(rule[key])) errors.push(`${key} must be an array of strings`);
  }
  for (const key of ['note', 'setup', 'license']) if (rule[key] !== undefined && typeof rule[key] !== 'string') errors.push(`${key} must be a string`);
  if (rule.meta !== undefined && !isObject(rule.meta)) errors.push('meta must be an object (RuleMetadata)');
  for (const key of ['severity_mapping', 'risk_score_mapping']) {
    if (rule[key] !== undefined && (!Array.isArray(rule[key]) || !(rule[key] as unknown[]).every((m) => isObject(m) && typeof m.field === 'string' && m.operator === 'equals' && typeof m.value === 'string'))) {
      errors.push(`${key} items need field, operator "equals" and value`);
    }
  }

  // ThreatArray
  if (rule.threat !== undefined) {
    if (!Array.isArray(rule.threat)) errors.push('threat must be an array (ThreatArray)');
    else
      rule.threat.forEach((t: unknown, i) => {
        if (!isObject(t)) return void errors.push(`threat[${i}] must be an object (Threat)`);
        if (typeof t.framework !== 'string') errors.push(`threat[${i}].framework is required (Threat)`);
        checkThreatRef(t.tactic, `threat[${i}].tactic`, errors);
        if (t.technique !== undefined) {
          if (!Array.isArray(t.technique)) return void errors.push(`threat[${i}].technique must be an array`);
          t.technique.forEach((tech: unknown, j) => {
            checkThreatRef(tech, `threat[${i}].technique[${j}]`, errors);
            const sub = isObject(tech) ? tech.subtechnique : undefined;
            if (sub !== undefined) {
              if (!Array.isArray(sub)) errors.push(`threat[${i}].technique[${j}].subtechnique must be an array`);
              else sub.forEach((s: unknown, k) => checkThreatRef(s, `threat[${i}].technique[${j}].subtechnique[${k}]`, errors));
            }
          });
        }
      });
  }

  // type-specific fields
  if (rule.query !== undefined && typeof rule.query !== 'string') errors.push('query must be a string (RuleQuery)');
  if (type === 'eql' && rule.language !== 'eql') errors.push('language of an eql rule must be "eql" (EqlQueryLanguage)');
  if (type !== 'eql' && rule.language !== undefined && !['kuery', 'lucene'].includes(rule.language as string)) errors.push('language must be kuery or lucene (KqlQueryLanguage)');
  for (const key of ['event_category_override', 'tiebreaker_field', 'timestamp_field']) if (rule[key] !== undefined && typeof rule[key] !== 'string') errors.push(`${key} must be a string`);
  if (type === 'threshold' && rule.threshold !== undefined) {
    const t = rule.threshold;
    if (!isObject(t)) errors.push('threshold must be an object (Threshold)');
    else {
      const fields = typeof t.field === 'string' ? [t.field] : t.field;
      if (!isStringArray(fields)) errors.push('threshold.field must be a string or an array of strings (ThresholdField)');
      else if (fields.length > 5) errors.push('threshold.field: number of fields must be 5 or less (rule_to_import_validation.ts)');
      if (!isInteger(t.value) || t.value < 1) errors.push('threshold.value must be an integer ≥ 1 (ThresholdValue)');
      if (t.cardinality !== undefined) {
        if (!Array.isArray(t.cardinality)) errors.push('threshold.cardinality must be an array (ThresholdCardinality)');
        else
          t.cardinality.forEach((c: unknown, i) => {
            if (!isObject(c) || typeof c.field !== 'string' || !isInteger(c.value) || c.value < 0) errors.push(`threshold.cardinality[${i}] needs a field and an integer value ≥ 0`);
            else if (isStringArray(fields) && fields.includes(c.field)) errors.push('threshold.cardinality: cardinality of a field that is being aggregated on is always 1 (rule_to_import_validation.ts)');
          });
      }
    }
  }
  if (type === 'new_terms') {
    const f = rule.new_terms_fields;
    if (f !== undefined && (!isStringArray(f) || f.length < 1 || f.length > 3)) errors.push('new_terms_fields must hold 1 to 3 field names (NewTermsFields)');
    if (rule.history_window_start !== undefined && (typeof rule.history_window_start !== 'string' || rule.history_window_start.length < 1)) {
      errors.push('history_window_start must be a non-empty string (HistoryWindowStart)');
    }
  }
  return errors;
}

/** Milliseconds of a `now-<n><unit>` look-back or a `<n><unit>` interval. */
export function spanMs(text: string): number {
  const match = /(\d+)([smhdwMy])$/.exec(text);
  if (!match) return 0;
  const unit: Record<string, number> = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8, M: 2.592e9, y: 3.1536e10 };
  return Number(match[1]) * unit[match[2]!]!;
}
