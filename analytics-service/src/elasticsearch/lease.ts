/**
 * A lease stored in Elasticsearch: one document in the state index names the replica that holds it and until
 * when. Replicas of the service use it so that singleton work (streaming detection, UEBA maintenance) runs in
 * one of them at a time, and a survivor takes over when the holder dies.
 *
 * Taking and renewing are compare-and-set writes: `create` when there is no lease, `if_seq_no`/`if_primary_term`
 * on the version that was read otherwise, so of two replicas racing for a free or expired lease exactly one wins.
 * Gets by id are real time in Elasticsearch, so no refresh is needed. The holder renews with a single
 * conditional write once a third of the term has passed; if that write conflicts, someone else took the lease and
 * the holder knows at once. Calls overlapping in time share one round trip, so a heartbeat and the holder's own
 * checks never race each other. A lease taken with `yields` (webhook delivery on a replica that does not stream) is
 * the holder's only until a replica that does not yield asks for it: that one takes it at once, and the yielding
 * holder finds out at its next renewal (a conflict), within a third of the term. Expiry compares the holder's clock
 * (which wrote `expires_at`) with the reader's: keep replicas' clocks synchronised (NTP) to well under the term.
 */
import { errors, type Client } from '@elastic/elasticsearch';

interface LeaseDocument {
  kind: 'lease';
  owner: string;
  updated_at: string;
  expires_at: string;
  /** the holder gives the lease to any replica that asks without yielding */
  yields?: boolean;
}

export interface LeaseOptions {
  /** document id in the state index, e.g. `detection:streaming-lease` */
  id: string;
  /** this replica's name */
  owner: string;
  /** how long a taken or renewed lease lasts without renewal */
  termMs: number;
  /**
   * hold the lease only until a replica that does not yield asks for it (webhook delivery where streaming is off:
   * the streaming replicas must get the lease whenever one starts)
   */
  yields?: boolean;
  now?: () => number;
}

export class Lease {
  /** where our own lease document stands, while we hold it */
  private held: { seqNo: number; primaryTerm: number; expiresAt: number } | undefined;
  private readonly now: () => number;
  private pending: Promise<boolean> | undefined;
  private lastWritten: number | undefined;

  constructor(
    private readonly es: Client,
    private readonly index: string,
    private readonly options: LeaseOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get owner(): string {
    return this.options.owner;
  }

  get termMs(): number {
    return this.options.termMs;
  }

  /** When this replica last took or renewed the lease (ms), for logs about a lost lease. */
  get lastWrittenAt(): number | undefined {
    return this.lastWritten;
  }

  /** Whether this replica held the lease at its last acquire(), and the term has not run out since. */
  get holding(): boolean {
    return this.held !== undefined && this.held.expiresAt > this.now();
  }

  /**
   * Takes the lease if it is free, expired or ours, and renews it once a third of its term has passed.
   * True when this replica holds it afterwards. Errors other than a lost race are thrown.
   */
  acquire(): Promise<boolean> {
    this.pending ??= this.takeOrRenew().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async takeOrRenew(): Promise<boolean> {
    const now = this.now();
    if (this.held && this.held.expiresAt - now > (this.options.termMs * 2) / 3) return true;
    try {
      if (this.held && this.held.expiresAt > now) {
        // renew in one write, conditional on nobody having written since our last one
        return await this.write(now, { if_seq_no: this.held.seqNo, if_primary_term: this.held.primaryTerm });
      }
      this.held = undefined;
      const found = await this.es.get<LeaseDocument>({ index: this.index, id: this.options.id }, { ignore: [404] });
      if (!found.found) return await this.write(now, { op_type: 'create' });
      const current = found._source;
      const expired = !current?.expires_at || Date.parse(current.expires_at) <= now;
      const yieldsToUs = current?.yields === true && !this.options.yields;
      if (current?.owner !== this.options.owner && !expired && !yieldsToUs) return false;
      return await this.write(now, { if_seq_no: found._seq_no!, if_primary_term: found._primary_term! });
    } catch (error) {
      this.held = undefined;
      if (error instanceof errors.ResponseError && error.statusCode === 409) return false; // another replica won the race
      throw error;
    }
  }

  /** Gives the lease up (if still ours) so another replica can take it without waiting for it to expire. */
  async release(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    await this.es.delete(
      { index: this.index, id: this.options.id, if_seq_no: held.seqNo, if_primary_term: held.primaryTerm },
      { ignore: [404, 409] },
    );
  }

  private async write(now: number, condition: { op_type: 'create' } | { if_seq_no: number; if_primary_term: number }): Promise<boolean> {
    const expiresAt = now + this.options.termMs;
    const document: LeaseDocument = {
      kind: 'lease',
      owner: this.options.owner,
      updated_at: new Date(now).toISOString(),
      expires_at: new Date(expiresAt).toISOString(),
      ...(this.options.yields ? { yields: true } : {}),
    };
    const written = await this.es.index({ index: this.index, id: this.options.id, document, ...condition });
    this.held = { seqNo: written._seq_no!, primaryTerm: written._primary_term!, expiresAt };
    this.lastWritten = now;
    return true;
  }
}
