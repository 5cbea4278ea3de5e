/**
 * Answers a batch of query targets. Every target is validated and computed on its own: a bad or failing target
 * is an error in its own result, never in the batch. Knows nothing of HTTP.
 */
import { DEFAULT_JUDGE_DRIFT, type JudgeDriftSettings } from '../assurance/judge-drift.js';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { IndexNames } from '../elasticsearch/index-names.js';
import type { EsClient } from '../elasticsearch/client.js';
import { isRejectedRequest, isTransient } from '../elasticsearch/errors.js';
import { SearchReader } from '../elasticsearch/search-reader.js';
import { alertSummary, alerts, annotations, topUsers } from './alert-kinds.js';
import { DEFAULT_MAX_DATA_POINTS, type QueryContext, type RollupSource } from './context.js';
import { RollupStore } from '../elasticsearch/rollup-store.js';
import { DAILY_USER_COUNTS, HOURLY_COUNTS, HOURLY_USER_COUNTS, type RollupDefinition } from '../rollups/hourly-rollup.js';
import { distinctValues, entityBaseline } from './entity-kinds.js';
import { eventVolume, guardrailEffectiveness } from './event-kinds.js';
import { riskMatrix } from './risk-matrix.js';
import { judgeDrift, judgeScoreDistribution } from './judge-kinds.js';
import { QUERY_KINDS, QUERY_SCHEMAS, type FrameJson, type QueryKind, type QueryRequest, type QueryResponse, type QueryTarget, type QueryTargetOf, type TargetResult } from './kinds.js';

type Handler<K extends QueryKind> = (ctx: QueryContext, target: QueryTargetOf<K>) => Promise<FrameJson[]>;

const HANDLERS: { [K in QueryKind]: Handler<K> } = {
  event_volume: eventVolume,
  top_users: topUsers,
  risk_matrix: riskMatrix,
  judge_score_distribution: judgeScoreDistribution,
  judge_drift: judgeDrift,
  guardrail_effectiveness: guardrailEffectiveness,
  alerts,
  alert_summary: alertSummary,
  entity_baseline: entityBaseline,
  values: distinctValues,
  annotations,
};

const CHECKS = Object.fromEntries(QUERY_KINDS.map((k) => [k, TypeCompiler.Compile(QUERY_SCHEMAS[k])])) as { [K in QueryKind]: TypeCheck<(typeof QUERY_SCHEMAS)[K]> };

export class TargetError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

const isKind = (kind: unknown): kind is QueryKind => typeof kind === 'string' && (QUERY_KINDS as string[]).includes(kind);

/** The target with defaults applied, or a TargetError naming the first wrong property and why. */
export function parseTarget(raw: Record<string, unknown>): QueryTarget {
  const kind = raw.kind;
  if (!isKind(kind)) throw new TargetError(`unknown kind "${String(kind)}": use one of ${QUERY_KINDS.join(', ')}`);
  const check = CHECKS[kind];
  const target = Value.Default(QUERY_SCHEMAS[kind], structuredClone(raw));
  const first = check.Errors(target).First();
  if (first) {
    const where = first.path ? first.path.slice(1).replace(/\//g, '.') : 'target';
    const extra = first.schema && (first.value === undefined || first.path === '') ? '' : ` (got ${JSON.stringify(first.value)})`;
    throw new TargetError(`${kind} target: ${where}: ${first.message}${extra}`);
  }
  return target as QueryTarget;
}

function run(ctx: QueryContext, target: QueryTarget): Promise<FrameJson[]> {
  return (HANDLERS[target.kind] as Handler<typeof target.kind>)(ctx, target as never);
}

export interface QueryDependencies {
  es: EsClient;
  indices: IndexNames;
  /** the judge_drift rule's parameters, so the judge_drift kind flags the days the rule alerts on */
  judgeDrift?: JudgeDriftSettings;
  /** logs an unexpected failure of one target; the caller sees only a generic message */
  onError?: (refId: string, error: unknown) => void;
  /** read whole hours from the hourly rollup where it is exact (default true; false: raw events only) */
  useRollup?: boolean;
}

/** The rollups as the kinds see them, each watermark read at most once per batch. */
function rollupSource(deps: QueryDependencies): RollupSource | undefined {
  if (deps.useRollup === false) return undefined;
  const source = (index: string, definition: RollupDefinition) => {
    const store = new RollupStore(deps.es, deps.indices.events, index, definition);
    let watermark: Promise<number | undefined> | undefined;
    return { index, bucketMs: definition.bucketMs, watermark: () => (watermark ??= store.watermark()) };
  };
  const { index, watermark } = source(deps.indices.eventsHourly, HOURLY_COUNTS);
  return {
    index,
    watermark,
    users: source(deps.indices.eventsDailyUsers, DAILY_USER_COUNTS),
    hourlyUsers: source(deps.indices.eventsHourlyUsers, HOURLY_USER_COUNTS),
  };
}

/** refIds that appear more than once: answers are keyed by refId, so a batch must not repeat one. */
export function duplicateRefIds(targets: Array<{ refId: string }>): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const { refId } of targets) (seen.has(refId) ? duplicates : seen).add(refId);
  return [...duplicates];
}

export async function runQuery(deps: QueryDependencies, request: QueryRequest): Promise<QueryResponse> {
  const reader = new SearchReader(deps.es);
  const rollup = rollupSource(deps);
  const from = new Date(request.range.from);
  const to = new Date(request.range.to);
  // no prototype: a refId such as "__proto__" or "constructor" is a key like any other, never dropped or inherited
  const results: Record<string, TargetResult> = Object.create(null) as Record<string, TargetResult>;
  const jobs = request.targets.map(async (raw) => {
    const refId = raw.refId;
    try {
      if (!(from < to)) throw new TargetError('range.from must be before range.to');
      const target = parseTarget(raw as Record<string, unknown>);
      const ctx: QueryContext = {
        reader,
        indices: deps.indices,
        from,
        to,
        maxDataPoints: request.maxDataPoints ?? DEFAULT_MAX_DATA_POINTS,
        judgeDrift: deps.judgeDrift ?? DEFAULT_JUDGE_DRIFT,
      };
      if (request.intervalMs !== undefined) ctx.intervalMs = request.intervalMs;
      if (rollup) ctx.rollup = rollup;
      const frames = await run(ctx, target);
      results[refId] = { status: 200, frames: frames.map((f) => ({ ...f, refId })) };
    } catch (error) {
      if (error instanceof TargetError) results[refId] = { status: error.status, frames: [], error: error.message };
      else if (isTransient(error)) results[refId] = { status: 503, frames: [], error: 'Elasticsearch is unavailable; retry shortly' };
      else if (isRejectedRequest(error)) {
        // Elasticsearch would not compute it (too many buckets, a value out of range): the target's to change
        deps.onError?.(refId, error);
        results[refId] = { status: 400, frames: [], error: 'this target asks for more than can be computed at once: narrow the range, widen the buckets or lower the limits' };
      }
      else {
        deps.onError?.(refId, error);
        results[refId] = { status: 500, frames: [], error: 'internal error computing this target; see the service log' };
      }
    }
  });
  await Promise.all(jobs);
  return { results };
}
