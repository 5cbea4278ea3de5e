/**
 * What the detection engine needs from the rest of the service, composed once at start-up (app.ts): the evaluator
 * of every rule type — UEBA's built with the baselines it scores against — and the judge_drift rule's parameters,
 * which the assurance API, the daily metrics and the Grafana query kind share with the rule. Keeps detection/ and
 * ueba/ from reaching into each other.
 */
import type { JudgeDriftSettings } from './assurance/judge-drift-assessment.js';
import { DEFAULT_JUDGE_DRIFT } from './assurance/judge-drift.js';
import type { Catalogue } from './detection/catalogue.js';
import { DETECTION_EVALUATORS, type EvaluatorTable } from './detection/evaluators.js';
import { judgeDriftSettingsOf } from './detection/types/drift.js';
import type { BaselineStore } from './elasticsearch/baseline-store.js';
import type { EsClient } from './elasticsearch/client.js';
import type { IndexNames } from './elasticsearch/index-names.js';
import type { UebaConfig } from './ueba/config.js';
import { uebaEvaluator } from './ueba/ueba-evaluator.js';
import { uebaExport } from './ueba/siem-export.js';

/** `baselines`: the same store the UEBA service rebuilds through, so a rebuild is seen by the next scoring */
export function ruleEvaluators(es: EsClient, indices: IndexNames, ueba: Pick<UebaConfig, 'timeZone'>, baselines: BaselineStore): EvaluatorTable {
  return {
    ...DETECTION_EVALUATORS,
    ueba: { ...uebaEvaluator({ es, eventsIndex: indices.events, baselines, timeZone: ueba.timeZone }), export: uebaExport },
  };
}

/** The judge_drift rule's parameters (one definition for the rule, the API and the dashboards); defaults without the rule. */
export function judgeDriftSettings(catalogue: Catalogue): JudgeDriftSettings {
  const rule = catalogue.byId.get('judge_drift');
  return rule?.type === 'drift' ? judgeDriftSettingsOf(rule, catalogue.config.timezone) : DEFAULT_JUDGE_DRIFT;
}
