/**
 * Streaming partitions: the enabled rules split into P groups, each streamed on its own lease and checkpoint, so
 * that P replicas can share streaming detection (AISEC_DETECTION_PARTITIONS). A partition is a set of rules, not a
 * set of entities: every partition reads every new event, so each rule still sees the whole stream in order and its
 * streaming memory (window counts, first-seen values, put-off peer groups) stays exact, and no rule depends on
 * where another rule's events went. What P replicas gain is the rules' work, which is most of streaming's cost
 * (docs/scaling.md); the read of the new events is repeated per partition.
 *
 * Rules are spread greedily by a cost class, heaviest first, onto the lightest partition, ties by rule id, so every
 * replica computes the same split from the same catalogue. The classes follow the streaming time per rule measured
 * by bench/streaming-lag.ts (`ueba_peer_outlier` several times any other rule; first-seen and distinct-count rules
 * next; the hourly UEBA rules; then threshold, sequence and content rules).
 */
import type { Rule } from './rule-schema.js';

/** The most partitions AISEC_DETECTION_PARTITIONS allows. */
export const MAX_PARTITIONS = 16;

const FIRST_SEEN_ANOMALIES = new Set(['new_country', 'new_model_for_user']);

/** Relative streaming cost of a rule, for spreading rules evenly over partitions. */
export function streamingCost(rule: Rule): number {
  if (rule.type === 'ueba') {
    if (rule.anomaly === 'peer_outlier') return 8;
    return FIRST_SEEN_ANOMALIES.has(rule.anomaly) ? 3 : 2;
  }
  if (rule.type === 'new_terms') return 3;
  if (rule.type === 'threshold' && rule.signals.some((s) => s.distinct !== undefined)) return 3;
  if (rule.type === 'baseline_deviation' || rule.type === 'drift') return 2;
  return 1;
}

/** The rules of each of `count` partitions: every rule in exactly one, costs as even as the greedy split makes them. */
export function partitionRules(rules: readonly Rule[], count: number): Rule[][] {
  const parts = Array.from({ length: count }, () => ({ rules: [] as Rule[], cost: 0 }));
  const order = [...rules].sort((a, b) => streamingCost(b) - streamingCost(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const rule of order) {
    const lightest = parts.reduce((best, part) => (part.cost < best.cost ? part : best));
    lightest.rules.push(rule);
    lightest.cost += streamingCost(rule);
  }
  return parts.map((p) => p.rules);
}

/**
 * Where partition `index` of `count` keeps its lease and checkpoint. One partition keeps the names streaming always
 * had, so a deployment that never set AISEC_DETECTION_PARTITIONS resumes where it was; changing the count gives new
 * names, and a partition without a checkpoint of its own starts from the oldest one stored (StreamingOptions.resumeFrom).
 */
export function partitionIds(index: number, count: number): { leaseId: string; checkpointId: string } {
  if (count === 1) return { leaseId: 'detection:streaming-lease', checkpointId: 'detection-checkpoint' };
  const name = `p${index + 1}of${count}`;
  return { leaseId: `detection:streaming-lease:${name}`, checkpointId: `detection-checkpoint:${name}` };
}

/**
 * Where a partition would resume from another partitioning's checkpoints, given those stored for every partition
 * count but its own: the oldest checkpoint of the partitioning that streamed last (whose checkpoint was updated most
 * recently), and when that was. A partition uses it unless its own checkpoint is newer (StreamingOptions.resumeFrom):
 * events between there and the partition's first slice are evaluated again, which the alert writer makes harmless;
 * none is skipped. Undefined when nothing is stored.
 */
export function resumePoint(stored: Array<{ count: number; ingested: number; updatedAt: number }>): { ingested: number; updatedAt: number } | undefined {
  let latest: { count: number; updatedAt: number } | undefined;
  for (const c of stored) if (!latest || c.updatedAt > latest.updatedAt) latest = c;
  if (!latest) return undefined;
  return { ingested: Math.min(...stored.filter((c) => c.count === latest.count).map((c) => c.ingested)), updatedAt: latest.updatedAt };
}

/**
 * resumePoint over the checkpoints stored for every partition count but `count` (read by id with `read`).
 */
export async function resumePointOfOthers(count: number, read: (ids: string[]) => Promise<Map<string, { ingested: string; updated_at: string }>>): Promise<{ ingested: number; updatedAt: number } | undefined> {
  const others = otherCheckpointIds(MAX_PARTITIONS, count);
  const stored = await read(others.map((o) => o.id));
  return resumePoint(
    others.flatMap((o) => {
      const checkpoint = stored.get(o.id);
      return checkpoint ? [{ count: o.count, ingested: Date.parse(checkpoint.ingested), updatedAt: Date.parse(checkpoint.updated_at) }] : [];
    }),
  );
}

/** The checkpoint ids of every partition count 1 … max except `except`, with their count. */
export function otherCheckpointIds(max: number, except: number): Array<{ id: string; count: number }> {
  const ids: Array<{ id: string; count: number }> = [];
  for (let count = 1; count <= max; count++) {
    if (count === except) continue;
    for (let index = 0; index < count; index++) ids.push({ id: partitionIds(index, count).checkpointId, count });
  }
  return ids;
}

/**
 * How many partitions a replica should hold when `members` replicas are alive: an even share, rounded up so that
 * every partition has a holder. A replica above its share gives the extra partitions up; one below takes free ones.
 */
export const fairShare = (partitions: number, members: number): number => Math.ceil(partitions / Math.max(1, members));

export interface BalancerOptions {
  partitions: number;
  /** whether this replica holds partition i's lease now */
  holds: (index: number) => boolean;
  /** renews this replica's membership; the replicas alive */
  heartbeat: () => Promise<string[]>;
  /** removes this replica's membership */
  leave: () => Promise<void>;
  intervalMs: number;
  log: { warn(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}

/**
 * Decides which partitions this replica streams: it keeps its fair share of the partitions it holds (the lowest
 * numbers first) and gives the rest up; below its share it asks for the free ones. The leases still decide who
 * holds what, so two replicas that briefly disagree about the membership never stream one partition twice; they
 * only leave a partition unstreamed for a moment, its checkpoint keeping its place.
 */
export class PartitionBalancer {
  private share: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: BalancerOptions) {}

  start(): void {
    const beat = async () => {
      try {
        const members = await this.options.heartbeat();
        const share = fairShare(this.options.partitions, members.length);
        if (share !== this.share) this.options.log.info({ members, share }, 'streaming partitions: this replica streams its share');
        this.share = share;
      } catch (error) {
        this.options.log.warn({ err: error }, 'streaming partitions: membership heartbeat failed; retrying');
      }
      if (!this.stopped) this.timer = setTimeout(() => void beat(), this.options.intervalMs);
    };
    void beat();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.options.leave().catch(() => undefined);
  }

  /** Whether partition `index` should be streamed here (kept if held, asked for if not). */
  wants(index: number): boolean {
    if (this.share === undefined || this.stopped) return false; // membership unknown yet: take nothing
    const held = Array.from({ length: this.options.partitions }, (_, i) => i).filter((i) => this.options.holds(i));
    return this.options.holds(index) ? held.indexOf(index) < this.share : held.length < this.share;
  }
}
