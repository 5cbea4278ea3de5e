/**
 * The daily metrics index (`<prefix>-metrics`): judge-assurance and guardrail-effectiveness series written
 * back for Grafana's Elasticsearch datasource. Documents have stable ids, so a recomputation overwrites.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { assertBulkOk } from './baseline-store.js';
import type { EsTiming } from './composite-pager.js';
import { withAvailability } from './errors.js';

export interface MetricDocument {
  /** start of the day (UTC) the metric describes */
  '@timestamp': string;
  /** judge_daily | guardrail_daily | guardrail_policy_daily */
  metric: string;
  /** the headline value of the metric, for generic panels and alert rules */
  value: number | null;
  flagged: boolean;
  computed_at: string;
  [field: string]: unknown;
}

/** `judge_daily:<model>:<day>`; parts too long for a document id (512 bytes) are hashed. */
export function metricDocumentId(...parts: string[]): string {
  const id = parts.join(':');
  if (Buffer.byteLength(id) <= 512) return id;
  return `${parts[0]}:sha256:${createHash('sha256').update(parts.slice(1).join(':')).digest('hex')}`;
}

export class MetricStore {
  constructor(
    private readonly es: Client,
    readonly index: string,
  ) {}

  async putMany(documents: Array<{ id: string; doc: MetricDocument }>, timing?: EsTiming, refresh: boolean | 'wait_for' = false): Promise<void> {
    if (documents.length === 0) return;
    const operations: unknown[] = [];
    for (const { id, doc } of documents) operations.push({ index: { _index: this.index, _id: id } }, doc);
    const response = await withAvailability('metric write', () => this.es.bulk({ operations, refresh }));
    timing?.add(response);
    assertBulkOk(response, 'metric write');
  }
}
