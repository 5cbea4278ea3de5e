/**
 * What a panel receives in Grafana after the query: the datasource's frames, then the panel's transformations,
 * then its field config (defaults + overrides) applied by @grafana/data's own applyFieldOverrides — the order of
 * Grafana's PanelQueryRunner.getData({ withTransforms: true, withFieldConfig: true })
 * (public/app/features/query/state/PanelQueryRunner.ts).
 *
 * Stand-in: inside Grafana, the field-config registry is filled by the app with the standard options and the panel
 * plugin's custom options; here it is built from the property ids the panel actually uses, each processed the way
 * @grafana/data's override processors do (displayName, unit, min/max, mappings, thresholds, links, …).
 */
import {
  applyFieldOverrides,
  dataLinksOverrideProcessor,
  displayNameOverrideProcessor,
  FieldColorModeId,
  FieldConfigOptionsRegistry,
  getFieldDisplayValues,
  identityOverrideProcessor,
  numberOverrideProcessor,
  standardTransformers,
  standardTransformersRegistry,
  stringOverrideProcessor,
  thresholdsOverrideProcessor,
  transformDataFrame,
  unitOverrideProcessor,
  valueMappingsOverrideProcessor,
  type DataFrame,
  type DataTransformerInfo,
  type FieldConfigPropertyItem,
  type FieldConfigSource,
  type FieldDisplay,
  type GrafanaTheme2,
  type InterpolateFunction,
  type ReduceDataOptions,
  type ThresholdsConfig,
  ThresholdsMode,
} from '@grafana/data';
import { lastValueFrom } from 'rxjs';
import type { PanelJson } from './dashboardModel';

export const EMPTY_FIELD_CONFIG: FieldConfigSource = { defaults: {}, overrides: [] };

type Processor = FieldConfigPropertyItem['process'];
const PROCESSORS: Record<string, Processor> = {
  displayName: displayNameOverrideProcessor,
  unit: unitOverrideProcessor,
  min: numberOverrideProcessor,
  max: numberOverrideProcessor,
  decimals: numberOverrideProcessor,
  noValue: stringOverrideProcessor,
  mappings: valueMappingsOverrideProcessor,
  thresholds: thresholdsOverrideProcessor,
  links: dataLinksOverrideProcessor,
};

/** Every property id the panel's field config uses: defaults' keys (custom.* flattened) and overrides' ids. */
function propertyIds(fieldConfig: FieldConfigSource): string[] {
  const ids = new Set<string>(['displayName', 'unit', 'min', 'max', 'decimals', 'noValue', 'mappings', 'thresholds', 'links', 'color']);
  for (const key of Object.keys(fieldConfig.defaults ?? {})) if (key !== 'custom') ids.add(key);
  for (const key of Object.keys(fieldConfig.defaults?.custom ?? {})) ids.add(`custom.${key}`);
  for (const override of fieldConfig.overrides ?? []) for (const property of override.properties) ids.add(property.id);
  return [...ids];
}

/**
 * The default colour scheme of a panel type: the series palette for graphs (public/app/plugins/panel/timeseries/
 * module.tsx and histogram/module.tsx set `standardOptions.color.defaultValue` to palette-classic), thresholds for the
 * rest (the standard colour option's default).
 */
const PALETTE_PANELS = new Set(['timeseries', 'histogram', 'barchart', 'piechart', 'trend', 'xychart']);
const defaultColor = (panelType: string) => ({ mode: PALETTE_PANELS.has(panelType) ? FieldColorModeId.PaletteClassic : FieldColorModeId.Thresholds });

/** The standard thresholds option's default: public/app/core/components/OptionsUI/registry.tsx, getAllStandardFieldConfigs(). */
const DEFAULT_THRESHOLDS: ThresholdsConfig = { mode: ThresholdsMode.Absolute, steps: [{ value: -Infinity, color: 'green' }, { value: 80, color: 'red' }] };

/**
 * The panel's field config with the defaults Grafana fills in when it loads a panel (getPanelOptionsWithDefaults):
 * the panel type's colour scheme and the standard thresholds, so a stat without thresholds turns red above 80 here too.
 */
export function panelFieldConfig(panel: PanelJson): FieldConfigSource {
  const fieldConfig = panel.fieldConfig ?? EMPTY_FIELD_CONFIG;
  return { ...fieldConfig, defaults: { color: defaultColor(panel.type), thresholds: DEFAULT_THRESHOLDS, ...fieldConfig.defaults } };
}

export function fieldConfigRegistry(fieldConfig: FieldConfigSource): FieldConfigOptionsRegistry {
  const registry = new FieldConfigOptionsRegistry();
  for (const id of propertyIds(fieldConfig)) {
    const isCustom = id.startsWith('custom.');
    const item = {
      id,
      path: isCustom ? id.slice('custom.'.length) : id,
      name: id,
      isCustom,
      process: PROCESSORS[id] ?? identityOverrideProcessor,
      shouldApply: () => true,
      override: () => null,
      editor: () => null,
    } as unknown as FieldConfigPropertyItem;
    registry.register(item);
  }
  return registry;
}

let transformersReady = false;
/** Grafana's app registers its transformers at startup; @grafana/data ships the standard ones. */
function ensureTransformers() {
  if (transformersReady) return;
  // one entry per id: some transformers are exported under two names (seriesToColumns is joinByField)
  const infos = [...new Map((Object.values(standardTransformers) as Array<DataTransformerInfo<unknown>>).map((t) => [t.id, t])).values()];
  standardTransformersRegistry.setInit(() => infos.map((transformation) => ({ id: transformation.id, name: transformation.name, description: transformation.description, transformation, editor: () => null })));
  transformersReady = true;
}


/** The series a panel of this definition renders, from the frames its queries returned. */
export async function panelSeries(panel: PanelJson, frames: DataFrame[], theme: GrafanaTheme2, replaceVariables: InterpolateFunction): Promise<DataFrame[]> {
  let series = frames;
  const transformations = (panel.transformations ?? []).filter((t) => !t.disabled);
  if (transformations.length > 0) {
    ensureTransformers();
    series = await lastValueFrom(transformDataFrame(transformations, series, { interpolate: replaceVariables }));
  }
  const fieldConfig = panelFieldConfig(panel);
  return applyFieldOverrides({ data: series, fieldConfig, fieldConfigRegistry: fieldConfigRegistry(fieldConfig), replaceVariables, theme, timeZone: 'utc' });
}

/**
 * The values a stat, gauge or bar gauge shows: @grafana/data's getFieldDisplayValues with the panel's reduceOptions
 * (default: the last non-null value of each numeric field), as StatPanel, GaugePanel and BarGaugePanel call it.
 */
export function panelDisplayValues(panel: PanelJson, series: DataFrame[], theme: GrafanaTheme2, replaceVariables: InterpolateFunction = (s) => s): FieldDisplay[] {
  const options = (panel.options ?? {}) as { reduceOptions?: Partial<ReduceDataOptions> };
  const reduceOptions: ReduceDataOptions = { values: false, calcs: ['lastNotNull'], ...options.reduceOptions };
  return getFieldDisplayValues({ data: series, reduceOptions, fieldConfig: panelFieldConfig(panel), replaceVariables, theme, timeZone: 'utc' });
}
