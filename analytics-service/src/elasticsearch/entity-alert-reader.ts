/**
 * Entities' alerts, as UEBA reads them from the alerts index: the alerts behind an entity's risk score (alerts
 * resolved as false positives do not count), top by risk, and its latest `ueba_*` anomalies. Every read tolerates
 * an alerts index that does not exist yet.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { compositePages, type EsTiming } from './composite-pager.js';
import { withAvailability } from './errors.js';

/** The fields of an alert the risk score reads. */
export interface RiskAlertSource {
  id?: string;
  rule_id?: string;
  '@timestamp'?: string;
  risk_score?: number;
  severity?: string;
}

export interface AlertHit<S> {
  /** the document's _id */
  hitId: string;
  source: S;
}

const RISK_FIELDS = ['id', 'rule_id', '@timestamp', 'risk_score', 'severity'];

const RISK_SORT: estypes.Sort = [
  { risk_score: { order: 'desc', missing: '_last', unmapped_type: 'double' } },
  { '@timestamp': { order: 'desc', unmapped_type: 'date' } },
];

function riskQuery(field: string, since: Date, ids?: string[]): estypes.QueryDslQueryContainer {
  const filter: estypes.QueryDslQueryContainer[] = [{ range: { '@timestamp': { gte: since.toISOString() } } }, { exists: { field } }];
  if (ids) filter.push({ terms: { [field]: ids } });
  return { bool: { filter, must_not: [{ term: { resolution: 'false_positive' } }] } };
}

export class EntityAlertReader {
  constructor(
    private readonly es: Client,
    private readonly alertsIndex: string,
  ) {}

  /** The alerts since `since` of the entity whose `field` is `id`, top `size` by risk. */
  async riskAlerts(field: string, id: string, since: Date, size: number): Promise<Array<AlertHit<RiskAlertSource>>> {
    const response = await withAvailability('alert read', () =>
      this.es.search<RiskAlertSource>({
        index: this.alertsIndex,
        ignore_unavailable: true,
        allow_no_indices: true,
        size,
        _source: RISK_FIELDS,
        query: riskQuery(field, since, [id]),
        sort: RISK_SORT,
      }),
    );
    return response.hits.hits.map((h) => ({ hitId: h._id!, source: h._source ?? {} }));
  }

  /** Pages of the values of `field` (entity ids) that have alerts since `since`. */
  async *entitiesWithAlerts(field: string, since: Date, pageSize: number, timing: EsTiming): AsyncGenerator<string[]> {
    const pages = compositePages<{ key: { entity: string } }>(
      this.es,
      { index: this.alertsIndex, query: riskQuery(field, since), sources: [{ entity: { terms: { field } } }], pageSize },
      timing,
      'risk entities',
    );
    for await (const page of pages) yield page.map((b) => b.key.entity);
  }

  /** For each of `ids`, its alerts since `since`, top `size` (at most 100) by risk. */
  async riskAlertsByEntity(field: string, ids: string[], since: Date, size: number, timing: EsTiming): Promise<Map<string, Array<AlertHit<RiskAlertSource>>>> {
    const response = await withAvailability('alert read', () =>
      this.es.search({
        index: this.alertsIndex,
        size: 0,
        ignore_unavailable: true,
        query: riskQuery(field, since, ids),
        aggs: {
          entities: {
            terms: { field, size: ids.length },
            aggs: { alerts: { top_hits: { size: Math.min(100, size), _source: RISK_FIELDS, sort: RISK_SORT } } },
          },
        },
      }),
    );
    timing.add(response);
    type Bucket = { key: string; alerts: { hits: { hits: Array<{ _id: string; _source?: RiskAlertSource }> } } };
    const buckets = (response.aggregations?.entities as unknown as { buckets: Bucket[] } | undefined)?.buckets ?? [];
    return new Map(buckets.map((b) => [String(b.key), b.alerts.hits.hits.map((h) => ({ hitId: h._id, source: h._source ?? {} }))]));
  }

  /** The entity's latest `ueba_*` alerts, newest first. */
  async latestAnomalies(field: string, id: string, limit: number): Promise<Array<AlertHit<Record<string, unknown>>>> {
    const response = await withAvailability('alert read', () =>
      this.es.search<Record<string, unknown>>({
        index: this.alertsIndex,
        ignore_unavailable: true,
        allow_no_indices: true,
        size: limit,
        query: { bool: { filter: [{ term: { [field]: id } }, { prefix: { rule_id: 'ueba_' } }] } },
        sort: [{ '@timestamp': { order: 'desc', unmapped_type: 'date' } }],
      }),
    );
    return response.hits.hits.map((h) => ({ hitId: h._id!, source: h._source ?? {} }));
  }
}
