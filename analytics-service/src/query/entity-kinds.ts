/**
 * Entity kinds: one entity's baseline profile (baselines index, mapping `baselineMapping`, written by UEBA)
 * next to its observed usage over the range, and the distinct values of a field for template variables.
 */
import { aggregate, bucketsOf, eventFilters, field, frame, valueOf, type QueryContext } from './context.js';
import { ENTITY_FIELD, type EntityKind } from '../contract/entities.js';
import type { FrameJson, QueryTargetOf, ValueField } from './kinds.js';
import { HOUR_MS } from '../time/units.js';
import { WEEKDAY_NAMES, zoneCalendar } from '../time/zone-calendar.js';
import { mergeTermSeries, splitAggregate } from './rollup-split.js';

/** Hour-of-week buckets are hourly; a year of them stays far below Elasticsearch's bucket limit. */
const MAX_PROFILE_SPAN_MS = 366 * 24 * HOUR_MS;

/** The fields of a baseline document (written by UEBA, `baselineMapping`) this module reads; the rest is shown generically. */
interface BaselineDocument {
  '@timestamp'?: string;
  entity_kind: string;
  entity_id: string;
  time_zone?: string;
  risk_score?: number;
  risk_level?: string;
  first_seen?: string;
  last_seen?: string;
  event_count?: number;
  profile?: { hour_of_week?: { median?: unknown; mean?: unknown } } & Record<string, unknown>;
  [feature: string]: unknown;
}

/** The baseline's expected requests per hour-of-week slot (0 = Monday 00:00 in its time zone), when it has one. */
function expectedHourOfWeek(baseline: BaselineDocument | undefined): number[] | null {
  const profile = baseline?.profile?.hour_of_week;
  const vector = profile?.median ?? profile?.mean;
  return Array.isArray(vector) && vector.length === 168 && vector.every((v) => typeof v === 'number') ? (vector as number[]) : null;
}

/** Monday-first hour-of-week slot of an instant in a time zone. */
function slotIn(timeZone: string) {
  const calendar = zoneCalendar(timeZone);
  return (epochMs: number): number => calendar.hourOfWeekSlot(epochMs);
}

function validTimeZone(zone: string | undefined): string {
  if (!zone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

/** Numeric leaves of the UEBA profile as `a.b.c` → value, so the table shows whatever the baseline job records. */
export function numericLeaves(value: unknown, prefix = '', depth = 0, out: Array<[string, number]> = []): Array<[string, number]> {
  if (typeof value === 'number' && Number.isFinite(value)) out.push([prefix, value]);
  else if (value && typeof value === 'object' && !Array.isArray(value) && depth < 4) {
    for (const [k, v] of Object.entries(value)) numericLeaves(v, prefix ? `${prefix}.${k}` : k, depth + 1, out);
  }
  return out;
}

async function latestBaseline(ctx: QueryContext, kind: EntityKind, id: string): Promise<BaselineDocument | undefined> {
  const [latest] = await ctx.reader.documents<BaselineDocument>(ctx.indices.baselines, { bool: { filter: [{ term: { entity_kind: kind } }, { term: { entity_id: id } }] } }, 1, [{ '@timestamp': { order: 'desc', unmapped_type: 'date' } }]);
  return latest;
}

export async function entityBaseline(ctx: QueryContext, target: QueryTargetOf<'entity_baseline'>): Promise<FrameJson[]> {
  const entityField = ENTITY_FIELD[target.entityKind];
  const from = new Date(Math.max(ctx.from.getTime(), ctx.to.getTime() - MAX_PROFILE_SPAN_MS));
  const filter = [...eventFilters({ ...ctx, from }, target), { term: { [entityField]: target.entityId } }];
  const [baseline, aggs] = await Promise.all([
    latestBaseline(ctx, target.entityKind, target.entityId),
    aggregate(ctx, ctx.indices.events, { bool: { filter } }, {
      tokens_in: { avg: { field: 'tokens_in' } },
      tokens_out: { avg: { field: 'tokens_out' } },
      tokens_out_pct: { percentiles: { field: 'tokens_out', percents: [95] } },
      cost: { sum: { field: 'cost_usd' } },
      models: { cardinality: { field: 'model' } },
      endpoints: { cardinality: { field: 'endpoint' } },
      countries: { cardinality: { field: 'src_country' } },
      security_events: { filter: { bool: { must_not: [{ term: { category: 'request' } }] } } },
      hourly: { date_histogram: { field: '@timestamp', fixed_interval: '1h', min_doc_count: 1 } },
    }),
  ]);
  const hourly = bucketsOf(aggs, 'hourly');
  const events = hourly.reduce((n, b) => n + b.doc_count, 0);
  if (!baseline && events === 0) return [];

  const p95 = (aggs?.tokens_out_pct as { values?: Record<string, number | null> } | undefined)?.values?.['95.0'] ?? null;
  const iso = (s: string | undefined) => (s ? Date.parse(s) : null);
  const summary = frame('summary', [
    field('entity_kind', 'string', [target.entityKind]),
    field('entity_id', 'string', [target.entityId]),
    field('risk_score', 'number', [baseline?.risk_score ?? null], { config: { min: 0, max: 100 } }),
    field('risk_level', 'string', [baseline?.risk_level ?? null]),
    field('baseline_events', 'number', [baseline?.event_count ?? null]),
    field('first_seen', 'time', [iso(baseline?.first_seen)]),
    field('last_seen', 'time', [iso(baseline?.last_seen)]),
    field('baseline_updated', 'time', [iso(baseline?.['@timestamp'])]),
    field('events', 'number', [events]),
    field('security_events', 'number', [(aggs?.security_events as { doc_count?: number } | undefined)?.doc_count ?? 0]),
    field('tokens_in_avg', 'number', [valueOf(aggs, 'tokens_in')]),
    field('tokens_out_avg', 'number', [valueOf(aggs, 'tokens_out')]),
    field('tokens_out_p95', 'number', [typeof p95 === 'number' ? p95 : null]),
    field('cost_usd', 'number', [valueOf(aggs, 'cost')], { config: { unit: 'currencyUSD' } }),
    field('models', 'number', [valueOf(aggs, 'models')]),
    field('endpoints', 'number', [valueOf(aggs, 'endpoints')]),
    field('countries', 'number', [valueOf(aggs, 'countries')]),
  ]);

  // every numeric feature of the baseline (distributions such as tokens_out.p95, counts, profile.distinct.*)
  const { '@timestamp': _updated, ...features } = baseline ?? ({} as Partial<BaselineDocument>);
  const leaves = numericLeaves(features);
  const profile = frame('profile', [field('feature', 'string', leaves.map(([k]) => k)), field('value', 'number', leaves.map(([, v]) => v))]);

  // hour of week in the baseline's time zone (UTC without one), Monday first; 168 rows so empty hours show as zero
  const timeZone = validTimeZone(baseline?.time_zone);
  const slotOf = slotIn(timeZone);
  const grid = new Array<number>(168).fill(0);
  for (const b of hourly) grid[slotOf(Number(b.key))]! += b.doc_count;
  const expected = expectedHourOfWeek(baseline);
  const hourOfWeek = frame(
    'hour_of_week',
    [
      field('day', 'string', grid.map((_, i) => WEEKDAY_NAMES[Math.floor(i / 24)]!)),
      field('hour', 'number', grid.map((_, i) => i % 24)),
      field('events', 'number', grid),
      field('expected', 'number', expected ?? grid.map(() => null), { config: { displayName: 'baseline (per occurrence)' } }),
    ],
    { custom: { timeZone, hasBaseline: expected !== null } },
  );
  const section = target.section ?? 'all';
  return section === 'all' ? [summary, profile, hourOfWeek] : [{ summary, profile, hour_of_week: hourOfWeek }[section]];
}

/** Distinct values, most frequent first (template variables). `rule_id` comes from alerts, the rest from events. */
export async function distinctValues(ctx: QueryContext, target: QueryTargetOf<'values'>): Promise<FrameJson[]> {
  const fieldName: ValueField = target.field;
  const onAlerts = fieldName === 'rule_id';
  const limit = target.limit ?? 200;
  if (ROLLED_UP_VALUE_FIELDS.has(fieldName)) {
    // every value from both parts (at most 1000 exist for the limit to pick from), so the top `limit` of the sum is exact
    const split = await splitAggregate(ctx, target, {}, { values: { terms: { field: fieldName, size: 1000 } } });
    const merged = split && mergeTermSeries([split.rolled, split.raw], 'values');
    if (merged) return valuesFrame(fieldName, merged.slice(0, limit).map((v) => ({ key: v.key, doc_count: v.count })));
  }
  const filter = onAlerts ? eventFilters(ctx, { ...target, category: undefined }) : eventFilters(ctx, target);
  const aggs = await aggregate(ctx, onAlerts ? ctx.indices.alerts : ctx.indices.events, { bool: { filter } }, {
    values: { terms: { field: fieldName, size: limit } },
  });
  return valuesFrame(fieldName, bucketsOf(aggs, 'values'));
}

/** Value fields that are rollup dimensions: their values over whole hours come from the hourly rollup. */
const ROLLED_UP_VALUE_FIELDS = new Set<ValueField>(['model', 'endpoint', 'category']);

function valuesFrame(fieldName: ValueField, values: Array<{ key: number | string; doc_count: number }>): FrameJson[] {
  return [frame(fieldName, [field('text', 'string', values.map((b) => String(b.key))), field('count', 'number', values.map((b) => b.doc_count))])];
}
