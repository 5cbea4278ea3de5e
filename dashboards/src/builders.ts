/**
 * Small typed helpers over the Grafana Foundation SDK: our datasource's queries (typed by the service's query
 * contract), the shared variables and annotations, and the severity colours of the seed-004 ladder.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { QueryTarget, ValueField } from '../../analytics-service/src/query/kinds.js';
import type { Severity } from '../../grafana-plugin/src/datasource/types.js';
import type { MatrixOptions } from '../../grafana-plugin/src/panel/types.js';
import { SEVERITY_LADDER } from '../../grafana-plugin/src/severity.js';
import { ALL_VALUE, DATASOURCE, PLUGIN, UEBA_LINK } from './constants.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A panel query: one target of POST /v1/query without its refId (Grafana assigns it). */
export type PanelQuery = DistributiveOmit<QueryTarget, 'refId'>;

/** A query of the aisec datasource, as Grafana stores it in a panel's `targets`. */
export class AisecQueryBuilder implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly query: PanelQuery,
    private readonly refId = 'A',
  ) {}

  build(): cog.Dataquery {
    return { refId: this.refId, datasource: { ...DATASOURCE.aisec }, ...this.query } as unknown as cog.Dataquery;
  }
}

export const q = (query: PanelQuery, refId = 'A') => new AisecQueryBuilder(query, refId);

/** Filters every panel of a dashboard applies: the dashboard's user/model/endpoint variables. */
export const VARIABLE_FILTERS = { user_id: ['$user'], model: ['$model'], endpoint: ['$endpoint'] };

/** A multi-value variable listing the distinct values of a field over the dashboard's time range. */
export function valuesVariable(name: string, label: string, field: ValueField, options: { multi?: boolean } = {}): dashboard.QueryVariableBuilder {
  const multi = options.multi ?? true;
  const variable = new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource({ ...DATASOURCE.aisec })
    .query({ field })
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(multi);
  if (multi) variable.includeAll(true).allValue(ALL_VALUE).current({ text: 'All', value: ['$__all'] });
  return variable;
}

/** Alerts of high and critical severity as annotations on every time series. */
export function alertAnnotations(): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name('AI-security alerts (high+)')
    .datasource({ ...DATASOURCE.aisec })
    .enable(true)
    .iconColor('red')
    .target(new AnnotationTarget({ kind: 'annotations', minSeverity: 'high', user_id: ['$user'] }));
}

class AnnotationTarget implements cog.Builder<dashboard.AnnotationTarget> {
  constructor(private readonly query: PanelQuery) {}
  build(): dashboard.AnnotationTarget {
    return { refId: 'Anno', ...this.query } as unknown as dashboard.AnnotationTarget;
  }
}

/** The built-in "Annotations & Alerts" entry every Grafana dashboard carries. */
export function builtInAnnotations(): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name('Annotations & Alerts')
    .datasource({ type: 'grafana', uid: '-- Grafana --' })
    .enable(true)
    .hide(true)
    .iconColor('rgba(0, 211, 255, 1)')
    .type('dashboard')
    .builtIn(1);
}

/** The seed-004 ladder's colours, most severe first: the panel plugin's own (grafana-plugin/src/severity.ts). */
export const SEVERITY_COLOR = Object.fromEntries([...SEVERITY_LADDER].reverse().map((step) => [step.severity, step.color])) as Record<Severity, string>;

/** Value mappings that colour severity text cells on the ladder. */
export function severityMappings(): dashboard.ValueMapping[] {
  return [
    {
      type: dashboard.MappingType.ValueToText,
      options: Object.fromEntries(Object.entries(SEVERITY_COLOR).map(([severity, color], index) => [severity, { color, index }])),
    },
  ];
}

/** Override that turns a field holding a user id into a link to the UEBA drill-down. */
export function userLink(field: string): { matcher: dashboard.MatcherConfig; properties: dashboard.DynamicConfigValue[] } {
  return {
    matcher: { id: 'byName', options: field },
    properties: [{ id: 'links', value: [{ title: 'UEBA drill-down for ${__value.raw}', url: UEBA_LINK }] }],
  };
}

/** The plugin's SOC matrix panel with some of its options (the rest take the panel's defaults). */
export function matrixPanel(title: string, options: Partial<MatrixOptions>): dashboard.PanelBuilder {
  return new dashboard.PanelBuilder().type(PLUGIN.panel).title(title).datasource({ ...DATASOURCE.aisec }).options(options);
}
