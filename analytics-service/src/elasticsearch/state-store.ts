/** Small documents in `<prefix>-state` that replicas share: checkpoints of scheduled work (leases: lease.ts). */
import type { Client } from '@elastic/elasticsearch';

export interface StateDocument {
  kind: string;
  updated_at: string;
  value?: { since?: string };
}

export class StateStore {
  constructor(
    private readonly es: Client,
    readonly index: string,
  ) {}

  async get(id: string): Promise<StateDocument | undefined> {
    const found = await this.es.get<StateDocument>({ index: this.index, id }, { ignore: [404] });
    return found.found ? found._source : undefined;
  }

  /** Written with refresh wait_for: the next reader, on any replica, sees it. */
  async put(id: string, doc: StateDocument): Promise<void> {
    await this.es.index({ index: this.index, id, document: doc, refresh: 'wait_for' });
  }
}
