/**
 * Which replicas are alive, for sharing streaming partitions: one document in the state index lists every replica
 * with the time its membership runs out. A replica renews its own entry on a heartbeat and drops the entries that ran
 * out; writes are compare-and-set (`if_seq_no`/`if_primary_term`, or `create`), retried on a conflict, so replicas
 * renewing at once never lose each other's entries. A replica that dies drops out one term after its last heartbeat;
 * one that stops leaves at once. Gets by id are real time, so no refresh is needed. Like the lease, expiry compares
 * clocks: keep replicas' clocks synchronised (NTP) to well under the term.
 */
import { errors, type Client } from '@elastic/elasticsearch';
import { withAvailability } from './errors.js';

interface Member {
  replica: string;
  /** epoch ms */
  expires_at: number;
}

interface MembershipDocument {
  kind: 'members';
  updated_at: string;
  value: { members: Member[] };
}

export interface MembershipOptions {
  /** document id in the state index */
  id: string;
  /** this replica's name */
  owner: string;
  /** how long an entry lasts without a heartbeat */
  termMs: number;
  now?: () => number;
}

const ATTEMPTS = 5;

export class Membership {
  private readonly now: () => number;

  constructor(
    private readonly es: Client,
    private readonly index: string,
    private readonly options: MembershipOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Renews this replica's entry; the names of the replicas alive now (this one included), sorted. */
  async heartbeat(): Promise<string[]> {
    const members = await this.update((live) => [...live.filter((m) => m.replica !== this.options.owner), { replica: this.options.owner, expires_at: this.now() + this.options.termMs }]);
    return members.map((m) => m.replica).sort();
  }

  /** Removes this replica's entry, so that the others take its share without waiting for it to run out. */
  async leave(): Promise<void> {
    await this.update((live) => live.filter((m) => m.replica !== this.options.owner));
  }

  private async update(change: (live: Member[]) => Member[]): Promise<Member[]> {
    for (let attempt = 1; ; attempt++) {
      const found = await withAvailability('membership read', () => this.es.get<MembershipDocument>({ index: this.index, id: this.options.id }, { ignore: [404] }));
      const now = this.now();
      const live = (found.found ? (found._source?.value.members ?? []) : []).filter((m) => m.expires_at > now);
      const members = change(live);
      const document: MembershipDocument = { kind: 'members', updated_at: new Date(now).toISOString(), value: { members } };
      const condition = found.found ? { if_seq_no: found._seq_no!, if_primary_term: found._primary_term! } : { op_type: 'create' as const };
      try {
        await withAvailability('membership write', () => this.es.index({ index: this.index, id: this.options.id, document, ...condition }));
        return members;
      } catch (error) {
        // another replica wrote in between: read again and reapply
        if (!(error instanceof errors.ResponseError && error.statusCode === 409) || attempt >= ATTEMPTS) throw error;
      }
    }
  }
}
