/**
 * Reads and writes of alerts. Writes use the deterministic id with `create`, and replace existing alerts with
 * optimistic concurrency (if_seq_no / if_primary_term), so concurrent detection and triage never lose an update.
 * Alert writes refresh the alerts index: the next episode lookup must see them (alerts are few).
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { AlertDocument } from '../detection/alert.js';
import { withAvailability } from './errors.js';

export interface VersionedAlert {
  alert: AlertDocument;
  seqNo: number;
  primaryTerm: number;
}

/** The identity fields that relate two alerts to one actor. */
export const RELATED_FIELDS = ['user_id', 'agent_id', 'src_ip', 'session_id'] as const;
export type RelatedField = (typeof RELATED_FIELDS)[number];

export const ALERT_FILTER_FIELDS = ['rule_id', 'severity', 'user_id', 'status', 'agent_id', 'src_ip', 'endpoint', 'model', 'session_id', 'judge_model'] as const;
export type AlertFilterField = (typeof ALERT_FILTER_FIELDS)[number];

export interface AlertFilters {
  from?: Date;
  to?: Date;
  terms: Partial<Record<AlertFilterField, string>>;
}

/** Sort position: alert @timestamp (ms) and id. */
export type AlertCursor = [number, string];

export class AlertStore {
  constructor(
    private readonly es: Client,
    private readonly index: string,
  ) {}

  /** The earliest alert of this rule and entity whose window overlaps [start − gap, end + gap]. */
  async findOverlapping(ruleId: string, entityKey: string, start: number, end: number, gapMs: number): Promise<VersionedAlert | undefined> {
    const response = await withAvailability('alert lookup', () =>
      this.es.search<AlertDocument>({
        index: this.index,
        ignore_unavailable: true,
        size: 1,
        seq_no_primary_term: true,
        query: {
          bool: {
            filter: [
              { term: { rule_id: ruleId } },
              { term: { entity_key: entityKey } },
              { range: { window_start: { lte: new Date(end + gapMs).toISOString() } } },
              { range: { window_end: { gte: new Date(start - gapMs).toISOString() } } },
            ],
          },
        },
        sort: [{ window_start: { order: 'asc' } }],
      }),
    );
    const hit = response.hits.hits[0];
    return hit ? { alert: hit._source!, seqNo: hit._seq_no!, primaryTerm: hit._primary_term! } : undefined;
  }

  async get(id: string): Promise<VersionedAlert | undefined> {
    const response = await withAvailability('alert read', () => this.es.get<AlertDocument>({ index: this.index, id }, { ignore: [404] }));
    if (!response.found) return undefined;
    return { alert: response._source!, seqNo: response._seq_no!, primaryTerm: response._primary_term! };
  }

  /** Creates the alert under its id; false when it already exists. */
  async create(alert: AlertDocument): Promise<boolean> {
    try {
      await withAvailability('alert write', () => this.es.create({ index: this.index, id: alert.id, document: alert, refresh: true }));
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) return false;
      throw error;
    }
  }

  /** Replaces the alert if nobody changed it since it was read; false on a conflict. */
  async replace(alert: AlertDocument, seqNo: number, primaryTerm: number): Promise<boolean> {
    try {
      await withAvailability('alert write', () =>
        this.es.index({ index: this.index, id: alert.id, document: alert, if_seq_no: seqNo, if_primary_term: primaryTerm, refresh: true }),
      );
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) return false;
      throw error;
    }
  }

  async search(filters: AlertFilters, limit: number, after?: AlertCursor): Promise<{ alerts: AlertDocument[]; total: number; next?: AlertCursor }> {
    const filter: estypes.QueryDslQueryContainer[] = [];
    if (filters.from || filters.to) {
      filter.push({
        range: {
          '@timestamp': {
            format: 'strict_date_optional_time',
            ...(filters.from ? { gte: filters.from.toISOString() } : {}),
            ...(filters.to ? { lt: filters.to.toISOString() } : {}),
          },
        },
      });
    }
    for (const [field, value] of Object.entries(filters.terms)) if (value !== undefined) filter.push({ term: { [field]: value } });
    const response = await withAvailability('alert search', () =>
      this.es.search<AlertDocument>({
        index: this.index,
        ignore_unavailable: true,
        size: limit,
        track_total_hits: true,
        query: { bool: { filter } },
        sort: [{ '@timestamp': { order: 'desc' } }, { id: { order: 'desc' } }],
        ...(after ? { search_after: after } : {}),
      }),
    );
    const hits = response.hits.hits;
    const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
    const last = hits.at(-1);
    return { alerts: hits.map((h) => h._source!), total, ...(hits.length === limit && last?.sort ? { next: last.sort as AlertCursor } : {}) };
  }

  /**
   * Alerts of the same actor in about the same time: another alert sharing one of this alert's identity values
   * (user_id, agent_id, src_ip, session_id) whose window overlaps this one's widened by `gapMs` on both sides.
   * The relation is symmetric: each of two related alerts finds the other.
   */
  async related(alert: AlertDocument, gapMs: number, limit: number): Promise<Array<{ alert: AlertDocument; shared: RelatedField[] }>> {
    const present = RELATED_FIELDS.filter((f) => typeof alert[f] === 'string' && alert[f] !== '');
    if (present.length === 0) return [];
    const start = Date.parse(alert.window_start) - gapMs;
    const end = Date.parse(alert.window_end) + gapMs;
    const response = await withAvailability('related alerts', () =>
      this.es.search<AlertDocument>({
        index: this.index,
        ignore_unavailable: true,
        size: limit,
        query: {
          bool: {
            filter: [{ range: { window_start: { lte: new Date(end).toISOString() } } }, { range: { window_end: { gte: new Date(start).toISOString() } } }],
            should: present.map((f) => ({ term: { [f]: alert[f]! } })),
            minimum_should_match: 1,
            must_not: [{ term: { id: alert.id } }],
          },
        },
        sort: [{ window_start: { order: 'asc' } }, { id: { order: 'asc' } }],
      }),
    );
    return response.hits.hits.map((h) => ({ alert: h._source!, shared: present.filter((f) => h._source![f] === alert[f]) }));
  }

  /** Alerts with notifications still pending, oldest pending first. */
  async withPendingNotifications(limit: number): Promise<AlertDocument[]> {
    const response = await withAvailability('alert outbox read', () =>
      this.es.search<AlertDocument>({
        index: this.index,
        ignore_unavailable: true,
        size: limit,
        query: { bool: { filter: [{ exists: { field: 'notifications_pending' } }] } },
        sort: [{ notifications_pending_since: { order: 'asc', unmapped_type: 'date' } }, { id: { order: 'asc' } }],
      }),
    );
    return response.hits.hits.map((h) => h._source!);
  }

  /** How many notifications are pending, across all alerts, and since when the oldest. */
  async pendingNotificationSummary(): Promise<{ pending: number; oldest?: string }> {
    const response = await withAvailability('alert outbox count', () =>
      this.es.search({
        index: this.index,
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 0,
        query: { bool: { filter: [{ exists: { field: 'notifications_pending' } }] } },
        aggs: { pending: { value_count: { field: 'notifications_pending' } }, oldest: { min: { field: 'notifications_pending_since' } } },
      }),
    );
    const aggs = response.aggregations as { pending?: { value: number }; oldest?: { value: number | null } } | undefined;
    const oldest = aggs?.oldest?.value;
    return { pending: aggs?.pending?.value ?? 0, ...(typeof oldest === 'number' ? { oldest: new Date(oldest).toISOString() } : {}) };
  }

  async countAll(): Promise<number> {
    const response = await withAvailability('alert count', () => this.es.count({ index: this.index, ignore_unavailable: true, allow_no_indices: true }));
    return response.count;
  }
}
