/**
 * Dashboard query latency: POST /v1/query, every kind, over 30 days of data, at several sizes.
 *
 *   npm run build -w analytics-service && node --import tsx bench/query.ts [--sizes 500000,5000000] [--runs 30] [--warmup 3] [--reuse] [--shards 1]
 *
 * For each size, a deterministic generator (seeded, streamed in hour slots: never more than two bulk bodies in memory)
 * writes events in stored form (`toDocument`) straight into `<prefix>-events` with `_bulk` (2 concurrent requests of
 * 5 000 documents), plus what the detection engine and the UEBA job would have written for such traffic: alerts
 * (one per ~250 events, real rule ids, shaped by `alertMapping`) and one baseline per user, model and endpoint
 * (`baselineMapping`). Index templates come from `bootstrapIndices`, as the service installs them. The metrics index
 * is not loaded: no query kind reads it.
 *
 * The service runs as a separate process from `analytics-service/dist/main.js` (streaming detection and the UEBA
 * refresh off, so the only load is the queries). Each target is measured with dashboard parameters (a 30-day range,
 * maxDataPoints 1000, intervalMs from them as Grafana derives it): `--warmup` runs, then `--runs` measured runs,
 * round-robin over the targets. Each run shifts the 30-day window by a minute, as a refreshing "last 30 days"
 * dashboard does, so Elasticsearch's shard request cache never answers a repeated request. Then the whole SOC
 * overview dashboard: once as one batch request with every target, once as one request per panel sent concurrently
 * (as Grafana does), timed until the last answer.
 *
 * Side by side with each measured request, the same target is computed in this process by the service's own query
 * code (`runQuery`) against the same Elasticsearch, with a window shifted the other way, and Elasticsearch's `took`
 * of its searches is recorded (summed when a kind sends several): the part of the latency spent inside Elasticsearch.
 * `--skip-took` leaves that out (half the queries).
 *
 * Elasticsearch: ES_URL (ES_API_KEY / ES_USERNAME + ES_PASSWORD / ES_CA_FILE are honoured), or an embedded node
 * started here (heap `--heap`, default 2g). `--keep` keeps the data; `--reuse` keeps it and skips loading a size
 * whose data is already complete (an interrupted load resumes: documents have deterministic ids). The embedded node
 * keeps its data in `--es-data` (default $TMPDIR/aisec-bench-query-es) when `--keep`/`--reuse` is given, else in a
 * temp dir removed at the end. Elastic's minimal distribution cannot delete data streams, so against ES_URL the
 * events stay unless the cluster can delete them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { bootstrapIndices } from '../analytics-service/src/elasticsearch/bootstrap.js';
import { createElasticsearchClient } from '../analytics-service/src/elasticsearch/client.js';
import { toDocument } from '../analytics-service/src/elasticsearch/event-store.js';
import { indexNames, type IndexNames } from '../analytics-service/src/elasticsearch/index-names.js';
import { validateEvent } from '../analytics-service/src/contract/validate.js';
import type { AiSecurityEvent, Category, Severity } from '../analytics-service/src/contract/event-schema.js';
import type { QueryRequest, QueryResponse } from '../analytics-service/src/query/kinds.js';
import { runQuery } from '../analytics-service/src/query/run-query.js';
import { ensureDistribution, freePort, startEmbeddedElasticsearch } from '../test/elasticsearch/embedded.js';
import { Random } from '../test/support/traffic.js';
import { machine, percentile, root } from './detection-support.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '500000,5000000' },
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    batch: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '2' },
    heap: { type: 'string', default: '2g' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    'es-data': { type: 'string' },
    'skip-took': { type: 'boolean', default: false },
    shards: { type: 'string', default: '1' },
  },
});
/** primary shards of the events data stream (AISEC_EVENTS_SHARDS); data sets with more than one get their own prefix */
const SHARDS = Number(args.shards);
if (!Number.isInteger(SHARDS) || SHARDS < 1 || SHARDS > 64) throw new Error('--shards must be a whole number from 1 to 64');
const SIZES = args.sizes.split(',').map((s) => Number(s.trim()));
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const KEEP = args.keep || args.reuse;
if (SIZES.some((n) => !Number.isInteger(n) || n < 10_000) || !(RUNS > 0) || !(WARMUP >= 0) || !(BATCH > 0) || !(CONCURRENCY > 0)) {
  throw new Error('--sizes must be whole numbers ≥ 10000; --runs, --batch, --concurrency positive; --warmup ≥ 0');
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** A Monday; 30 days of data, the range every dashboard query covers. */
const START = Date.UTC(2026, 0, 5);
const END = START + 30 * DAY;
/** Bumped whenever the generator changes, so `--reuse` never measures stale data. */
const GENERATOR_VERSION = 1;
const READ_KEY = 'bench-query-read-key-000000001';

const label = (n: number) => (n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}m` : n % 1000 === 0 ? `${n / 1000}k` : String(n));
const fmt = (n: number) => n.toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------
// Deterministic data

interface User {
  id: string;
  department: string;
  country: string;
  ip: string;
  models: string[];
  endpoints: string[];
  agent?: { id: string; tools: string[] };
}

const DEPARTMENTS = ['retail_banking', 'investment_banking', 'compliance', 'engineering', 'marketing', 'operations', 'legal', 'hr'];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5-20250929', 'claude-haiku-4-5', 'retail-assist-ft', 'ib-research-ft', 'llama-3-70b'];
const PROVIDER: Record<string, string> = { 'claude-sonnet-4-5-20250929': 'anthropic', 'claude-haiku-4-5': 'anthropic', 'llama-3-70b': 'meta' };
const ENDPOINTS = ['/api/v1/chat', '/api/v1/summarize', '/api/v1/search', '/api/v1/draft', '/api/v1/rag', '/api/v1/agent'];
const ENDPOINT_TIER: Record<string, number> = { '/api/v1/search': 1, '/api/v1/summarize': 2, '/api/v1/chat': 2, '/api/v1/draft': 2, '/api/v1/rag': 3, '/api/v1/agent': 3 };
const COUNTRIES = ['GB', 'US', 'DE', 'FR', 'IE', 'NL', 'ES', 'PL'];
const AGENTS = [
  { id: 'support-agent', tools: ['search_kb', 'create_ticket', 'send_email'] },
  { id: 'research-agent', tools: ['web_search', 'read_document', 'summarize'] },
  { id: 'finance-agent', tools: ['query_ledger', 'create_report'] },
  { id: 'ops-agent', tools: ['run_query', 'restart_service', 'page_oncall'] },
];
const POLICIES = ['pii', 'toxicity', 'credential_exposure', 'jailbreak', 'financial_advice_without_disclaimer', 'harmful_content', 'tone'];
const JUDGES: Array<[string, number]> = [['judge-gpt-4o', 0.6], ['judge-claude', 0.3], ['judge-llama', 0.1]];

/** Category mix of an enterprise gateway: mostly ordinary requests, a thin tail of security events. */
const CATEGORY_MIX: Array<[Category, number]> = [
  ['request', 0.875],
  ['tool_invocation', 0.045],
  ['judge_flag', 0.03],
  ['guardrail_block', 0.02],
  ['prompt_attack', 0.006],
  ['auth_failure', 0.006],
  ['rate_limit', 0.005],
  ['model_filter_block', 0.004],
  ['credential_detected', 0.002],
  ['data_exfiltration', 0.0015],
  ['agent_boundary_violation', 0.001],
  ['anomaly', 0.0012],
  ['model_drift', 0.0003],
  ['supply_chain', 0.0002],
];

function cumulative(weights: number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (out[i] = sum += w));
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** Index of the first cumulative weight above u (binary search). */
function draw(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

class Dataset {
  readonly users: User[];
  /** heavy-tailed activity: a few users send much of the traffic */
  private readonly userCdf: Float64Array;
  private readonly categoryCdf = cumulative(CATEGORY_MIX.map(([, w]) => w));
  private readonly judgeCdf = cumulative(JUDGES.map(([, w]) => w));
  /** events in each hour of the 30 days: weekday × hour-of-day curve, rounded so they add up to exactly `events` */
  readonly perHour: number[];

  constructor(readonly events: number) {
    const random = Random.seeded(0x51ee7);
    const userCount = Math.max(200, Math.round(events / 1000));
    this.users = Array.from({ length: userCount }, (_, i) => {
      const department = random.pick(DEPARTMENTS);
      const models = [random.pick(MODELS), ...(random.chance(0.4) ? [random.pick(MODELS)] : [])];
      const endpoints = [random.pick(ENDPOINTS), ...(random.chance(0.5) ? [random.pick(ENDPOINTS)] : [])];
      const user: User = {
        id: `user${String(i).padStart(5, '0')}@corp.example`,
        department,
        country: random.chance(0.9) ? COUNTRIES[i % 3]! : random.pick(COUNTRIES),
        ip: `10.${(i >> 8) & 255}.${i & 255}.${random.int(1, 254)}`,
        models: [...new Set(models)],
        endpoints: [...new Set(endpoints)],
      };
      if (random.chance(0.15)) {
        const agent = random.pick(AGENTS);
        user.agent = agent;
        if (!user.endpoints.includes('/api/v1/agent')) user.endpoints.push('/api/v1/agent');
      }
      return user;
    });
    this.userCdf = cumulative(this.users.map((_, i) => 1 / Math.pow(i + 1, 0.8)));

    const hourCurve = [0.04, 0.03, 0.03, 0.03, 0.04, 0.08, 0.2, 0.5, 0.9, 1, 1, 1, 0.75, 0.95, 1, 1, 0.95, 0.8, 0.5, 0.35, 0.25, 0.18, 0.1, 0.06];
    const weights: number[] = [];
    for (let d = 0; d < 30; d++) {
      const weekday = new Date(START + d * DAY).getUTCDay();
      const dayFactor = weekday === 0 || weekday === 6 ? 0.2 : 1;
      for (let h = 0; h < 24; h++) weights.push(dayFactor * hourCurve[h]!);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    let carried = 0;
    let assigned = 0;
    this.perHour = weights.map((w, i) => {
      carried += (events * w) / total;
      const upTo = i === weights.length - 1 ? events : Math.round(carried);
      const n = upTo - assigned;
      assigned = upTo;
      return n;
    });
  }

  /** The events in time order, hour slot by hour slot. */
  *generate(): Generator<AiSecurityEvent> {
    const random = Random.seeded(0xda7a);
    let n = 0;
    for (let slot = 0; slot < this.perHour.length; slot++) {
      const slotStart = START + slot * HOUR;
      for (let k = 0; k < this.perHour[slot]!; k++) {
        yield this.event(random, slotStart + random.int(0, HOUR - 1), n++);
      }
    }
  }

  private event(random: Random, t: number, n: number): AiSecurityEvent {
    const user = this.users[draw(this.userCdf, random.float())]!;
    const category = CATEGORY_MIX[draw(this.categoryCdf, random.float())]![0];
    const model = random.pick(user.models);
    const endpoint = random.pick(user.endpoints);
    const day = Math.floor((t - START) / DAY);
    const session = `${user.id}-d${day}-s${random.int(0, 5)}`;
    const e: Record<string, unknown> = {
      timestamp: new Date(t).toISOString(),
      category,
      event_id: `qb-${n}`,
      user_id: user.id,
      user_department: user.department,
      src_ip: user.ip,
      src_country: random.chance(0.995) ? user.country : random.pick(COUNTRIES),
      session_id: session,
      endpoint,
      model,
      provider: PROVIDER[model] ?? 'openai',
      risk_tier: ENDPOINT_TIER[endpoint] ?? 2,
    };
    switch (category) {
      case 'request': {
        const tokensIn = Math.round(random.logNormal(400, 0.6));
        const tokensOut = Math.round(tokensIn * random.logNormal(1.4, 0.5));
        Object.assign(e, {
          request_id: `${session}-r${n}`,
          severity: 'info',
          decision: 'allow',
          guardrail_result: 'pass',
          tokens_in: tokensIn,
          tokens_out: tokensOut,
          latency_ms: Math.round(random.logNormal(900, 0.5)),
          cost_usd: Math.round((tokensIn * 0.000003 + tokensOut * 0.000015) * 1e6) / 1e6,
          conversation_turn: random.int(1, 9),
        });
        break;
      }
      case 'tool_invocation': {
        const agent = user.agent ?? AGENTS[0]!;
        const allowed = random.chance(0.985);
        Object.assign(e, {
          agent_id: agent.id,
          tool_name: random.pick(agent.tools),
          tool_allowed: allowed,
          tool_outcome: allowed ? (random.chance(0.97) ? 'success' : 'error') : 'blocked',
          severity: allowed ? 'info' : 'medium',
          risk_tier: 3,
        });
        break;
      }
      case 'judge_flag': {
        // most flags are low-confidence style issues; a tail is confident and severe
        const score = Math.min(1, Math.max(0, random.chance(0.85) ? 0.2 + random.float() * 0.5 : 0.7 + random.float() * 0.3));
        Object.assign(e, {
          judge_model: JUDGES[draw(this.judgeCdf, random.float())]![0],
          judge_score: Math.round(score * 1000) / 1000,
          severity: score >= 0.97 ? 'critical' : score >= 0.9 ? 'high' : score >= 0.6 ? 'medium' : 'low',
          guardrail_result: random.chance(0.6) ? 'pass' : 'block',
          policy_violated: random.pick(POLICIES),
          judge_verdict: score >= 0.9 ? 'violation' : 'minor_issue',
          risk_tier: Math.max(2, ENDPOINT_TIER[endpoint] ?? 2),
        });
        break;
      }
      case 'guardrail_block':
        Object.assign(e, { decision: 'block', guardrail_result: 'block', policy_violated: random.pick(POLICIES), severity: random.chance(0.8) ? 'low' : 'medium' });
        break;
      case 'prompt_attack':
        Object.assign(e, {
          severity: random.chance(0.85) ? 'high' : 'critical',
          decision: random.chance(0.7) ? 'block' : 'allow',
          risk_tier: 4,
          finding: { description: 'instruction override attempt', confidence: Math.round((0.6 + random.float() * 0.4) * 100) / 100, attack_vector: random.pick(['direct', 'indirect']) },
        });
        break;
      case 'auth_failure':
        Object.assign(e, { severity: 'medium', decision: 'block' });
        break;
      case 'rate_limit':
        Object.assign(e, { severity: 'low', decision: 'block' });
        break;
      case 'model_filter_block':
        Object.assign(e, { severity: 'medium', decision: 'block', policy_violated: random.pick(POLICIES) });
        break;
      case 'credential_detected':
        Object.assign(e, { severity: 'high', credential_type: random.pick(['aws_access_key', 'github_token', 'private_key', 'password']), direction: 'output', risk_tier: 3 });
        break;
      case 'data_exfiltration':
        Object.assign(e, { severity: random.chance(0.7) ? 'high' : 'critical', risk_tier: 4, tokens_out: random.int(8000, 20000), data_classification: 'Confidential' });
        break;
      case 'agent_boundary_violation': {
        const agent = user.agent ?? AGENTS[1]!;
        Object.assign(e, { severity: 'critical', agent_id: agent.id, tool_name: 'delete_records', tool_allowed: false, risk_tier: 4 });
        break;
      }
      case 'anomaly':
        Object.assign(e, { severity: 'medium' });
        break;
      case 'model_drift':
        Object.assign(e, { severity: 'medium', risk_tier: 3 });
        break;
      case 'supply_chain':
        Object.assign(e, { severity: 'high', risk_tier: 4 });
        break;
      default:
        break;
    }
    return e as AiSecurityEvent;
  }

  /** What the detection engine would have raised on traffic like this: one alert per ~250 events. */
  *alerts(): Generator<Record<string, unknown>> {
    const random = Random.seeded(0xa1e7);
    const count = Math.round(this.events / 250);
    const rules: Array<[string, Severity, number]> = [
      ['prompt_injection_repeated', 'high', 12], ['guardrail_block_burst', 'high', 10], ['judge_flag_burst', 'high', 8], ['judge_high_severity_burst', 'high', 5],
      ['auth_failure_burst', 'high', 6], ['credential_exposure', 'high', 4], ['sensitive_data_in_output', 'high', 4], ['exfil_output_volume', 'high', 3],
      ['off_hours_geo_shift', 'medium', 8], ['session_cost_anomaly', 'medium', 6], ['new_model_first_seen', 'medium', 4], ['model_enumeration', 'medium', 2],
      ['tool_outside_allowlist', 'high', 3], ['agent_boundary_violation', 'high', 2], ['boundary_then_tool', 'critical', 1], ['injection_then_exfil', 'critical', 1],
      ['guardrail_bypass', 'critical', 2], ['unauthorized_tool_recipient', 'critical', 1], ['cross_department_access', 'high', 3], ['repeated_policy_violations', 'high', 4],
      ['ueba_volume_spike', 'medium', 6], ['ueba_cost_spike', 'medium', 3], ['ueba_new_country', 'medium', 3], ['ueba_off_profile_hours', 'low', 5], ['judge_drift', 'medium', 1],
    ];
    const ruleCdf = cumulative(rules.map(([, , w]) => w));
    const ranks: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
    for (let i = 0; i < count; i++) {
      const [rule, baseSeverity] = rules[draw(ruleCdf, random.float())]!;
      const severity: Severity = baseSeverity === 'high' && random.chance(0.1) ? 'critical' : baseSeverity === 'medium' && random.chance(0.1) ? 'high' : baseSeverity;
      const user = this.users[draw(this.userCdf, random.float())]!;
      const end = START + Math.floor(((i + random.float()) / count) * 30 * DAY);
      const start = end - random.int(1, 60) * 60_000;
      const ageDays = (END - end) / DAY;
      const status = ageDays < 3 ? random.pick(['open', 'open', 'acknowledged']) : ageDays < 10 ? random.pick(['open', 'closed', 'resolved']) : random.pick(['closed', 'resolved', 'resolved']);
      const observed = random.int(3, 40);
      yield {
        '@timestamp': new Date(end).toISOString(),
        id: `qb-alert-${i}`,
        rule_id: rule,
        rule_type: rule.startsWith('ueba_') ? 'ueba' : 'threshold',
        title: rule.replace(/_/g, ' '),
        severity,
        severity_rank: ranks[severity],
        window_start: new Date(start).toISOString(),
        window_end: new Date(end).toISOString(),
        user_id: user.id,
        src_ip: user.ip,
        endpoint: random.pick(user.endpoints),
        model: random.pick(user.models),
        user_department: user.department,
        entity_key: `user_id=${user.id}`,
        entity_fields: ['user_id'],
        observed,
        threshold: Math.max(1, Math.floor(observed / 2)),
        event_count: observed,
        event_ids: Array.from({ length: Math.min(observed, 10) }, (_, k) => `qb-${Math.floor(((end - START) / (30 * DAY)) * this.events) + k}`),
        tags: ['AML.T0051'],
        response: 'Review the user’s recent sessions; block after repeated attempts.',
        status,
        risk_score: Math.min(100, 30 + ranks[severity] * 15 + random.int(0, 10)),
        created_at: new Date(start + 60_000).toISOString(),
        updated_at: new Date(end).toISOString(),
        explanation: { summary: `${observed} matching events in the window` },
      };
    }
  }

  /** What the UEBA job would have written: one baseline per user, model and endpoint. */
  *baselines(): Generator<{ id: string; doc: Record<string, unknown> }> {
    const random = Random.seeded(0xba5e);
    const dist = (median: number, n: number) => ({
      count: n,
      mean: Math.round(median * 1.1),
      sd: Math.round(median * 0.4),
      min: Math.round(median * 0.1),
      max: Math.round(median * 4),
      median,
      mad: Math.round(median * 0.25),
      p95: Math.round(median * 2.2),
      p99: Math.round(median * 3.1),
    });
    const officeHours = (scale: number) => Array.from({ length: 168 }, (_, slot) => (slot < 120 && slot % 24 >= 8 && slot % 24 < 18 ? Math.round(scale * 10) / 10 : 0));
    const common = (kind: string, id: string, events: number) => ({
      '@timestamp': new Date(END - HOUR).toISOString(),
      entity_kind: kind,
      entity_id: id,
      window_start: new Date(END - 28 * DAY).toISOString(),
      window_end: new Date(END).toISOString(),
      time_zone: 'UTC',
      first_seen: new Date(START).toISOString(),
      last_seen: new Date(END - HOUR).toISOString(),
      history_days: 30,
      event_count: events,
      request_count: Math.round(events * 0.875),
      active_hours: random.int(60, 220),
      active_days: random.int(15, 22),
      tokens_in: dist(400, events),
      tokens_out: dist(560, events),
      cost_usd: dist(0.01, events),
      requests_per_active_hour: dist(Math.max(1, Math.round(events / 150)), 150),
      risk_score: Math.round(random.float() * random.float() * 100),
      risk_updated_at: new Date(END - HOUR).toISOString(),
    });
    const perUser = this.events / this.users.length;
    for (const [i, user] of this.users.entries()) {
      const events = Math.round(perUser * (i < 10 ? 8 : 1));
      const base = common('user', user.id, events);
      yield {
        id: `user:${user.id}`,
        doc: {
          ...base,
          risk_level: (base.risk_score as number) >= 70 ? 'high' : (base.risk_score as number) >= 40 ? 'medium' : 'low',
          department: user.department,
          countries: [user.country],
          models: user.models,
          endpoints: user.endpoints,
          session_count: random.int(20, 120),
          profile: {
            hour_of_week: { median: officeHours(events / 400), mean: officeHours(events / 380) },
            distinct: { countries: 1, models: user.models.length, endpoints: user.endpoints.length, tools: user.agent?.tools.length ?? 0, users: 0 },
          },
        },
      };
    }
    for (const model of MODELS) yield { id: `model:${model}`, doc: common('model', model, Math.round(this.events / MODELS.length)) };
    for (const endpoint of ENDPOINTS) yield { id: `endpoint:${endpoint}`, doc: common('endpoint', endpoint, Math.round(this.events / ENDPOINTS.length)) };
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

async function bulkAll(es: Client, bodies: Iterator<string>): Promise<{ created: number; existing: number }> {
  let created = 0;
  let existing = 0;
  const lane = async () => {
    for (let next = bodies.next(); !next.done; next = bodies.next()) {
      const response = (await es.bulk({ body: next.value, filter_path: 'errors,items.*.status,items.*.error.reason' } as never)) as unknown as {
        errors: boolean;
        items?: Array<Record<string, { status: number; error?: { reason?: string } }>>;
      };
      for (const item of response.items ?? []) {
        const result = Object.values(item)[0]!;
        if (result.status === 201 || result.status === 200) created++;
        else if (result.status === 409) existing++;
        else throw new Error(`bulk item failed (${result.status}): ${result.error?.reason ?? 'unknown'}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return { created, existing };
}

/** NDJSON bodies of `BATCH` documents each, produced on demand. */
function* batches<T>(items: Iterable<T>, line: (item: T) => string): Generator<string> {
  let lines: string[] = [];
  for (const item of items) {
    lines.push(line(item));
    if (lines.length === BATCH) {
      yield lines.join('');
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join('');
}

interface LoadReport {
  reused: boolean;
  seconds: number;
  events: number;
  alerts: number;
  baselines: number;
}

async function count(es: Client, index: string): Promise<number> {
  const exists = await es.indices.exists({ index });
  if (!exists) return 0;
  await es.indices.refresh({ index });
  return (await es.count({ index })).count;
}

async function load(es: Client, names: IndexNames, data: Dataset): Promise<LoadReport> {
  const alertCount = Math.round(data.events / 250);
  const baselineCount = data.users.length + MODELS.length + ENDPOINTS.length;
  const marker = await es.get<{ value?: { version?: number; events?: number } }>({ index: names.state, id: 'bench-query-dataset' }, { ignore: [404] }).catch(() => undefined);
  const markerOk = marker?.found === true && marker._source?.value?.version === GENERATOR_VERSION && marker._source.value.events === data.events;
  if (args.reuse && markerOk) {
    const [events, alerts, baselines] = await Promise.all([count(es, names.events), count(es, names.alerts), count(es, names.baselines)]);
    if (events === data.events && alerts === alertCount && baselines === baselineCount) {
      process.stderr.write(`${names.events}: reusing ${fmt(events)} events, ${fmt(alerts)} alerts, ${fmt(baselines)} baselines\n`);
      return { reused: true, seconds: 0, events, alerts, baselines };
    }
  }
  if (marker?.found && !markerOk) throw new Error(`${names.events} holds data of another generator version or size; use another prefix or a fresh node`);

  await bootstrapIndices(es, names, { eventsShards: SHARDS });
  const started = Date.now();
  let sent = 0;
  let checked = 0;
  const docs = (function* () {
    for (const event of data.generate()) {
      // the generator's output is checked against the contract (a sample, to keep the load fast)
      if (checked < 2000 || sent % 997 === 0) {
        const result = validateEvent(event, END + DAY);
        if (!result.ok) throw new Error(`generator produced an invalid event: ${JSON.stringify(result.errors)} ${JSON.stringify(event)}`);
        checked++;
      }
      sent++;
      if (sent % 100_000 === 0) {
        const rate = sent / ((Date.now() - started) / 1000);
        process.stderr.write(`\r${names.events}: ${fmt(sent)}/${fmt(data.events)} events (${fmt(Math.round(rate))}/s)   `);
      }
      yield event;
    }
  })();
  const action = (index: string, id: string) => JSON.stringify({ create: { _index: index, _id: id } });
  const eventsResult = await bulkAll(
    es,
    batches(docs, (e) => `${action(names.events, e.event_id!)}\n${JSON.stringify(toDocument(e, new Date(Date.parse(e.timestamp) + 1500).toISOString()))}\n`),
  );
  process.stderr.write(`\n`);
  const index = (i: string, id: string) => JSON.stringify({ index: { _index: i, _id: id } });
  await bulkAll(es, batches(data.alerts(), (a) => `${index(names.alerts, a.id as string)}\n${JSON.stringify(a)}\n`));
  await bulkAll(es, batches(data.baselines(), (b) => `${index(names.baselines, b.id)}\n${JSON.stringify(b.doc)}\n`));
  await es.indices.refresh({ index: [names.events, names.alerts, names.baselines] });
  const seconds = (Date.now() - started) / 1000;
  const [events, alerts, baselines] = await Promise.all([count(es, names.events), count(es, names.alerts), count(es, names.baselines)]);
  if (events !== data.events || alerts !== alertCount || baselines !== baselineCount) {
    throw new Error(`loaded ${events} events, ${alerts} alerts, ${baselines} baselines; expected ${data.events}, ${alertCount}, ${baselineCount}`);
  }
  await es.index({ index: names.state, id: 'bench-query-dataset', document: { kind: 'bench', updated_at: new Date().toISOString(), value: { version: GENERATOR_VERSION, events: data.events } }, refresh: true });
  process.stderr.write(`${names.events}: ${fmt(eventsResult.created)} events written (${fmt(eventsResult.existing)} already there) in ${seconds.toFixed(0)} s\n`);
  return { reused: false, seconds, events, alerts, baselines };
}

// ---------------------------------------------------------------------------------------------
// The service

interface Service {
  url: string;
  stop(): Promise<void>;
}

async function startService(esUrl: string, prefix: string): Promise<Service> {
  const main = join(root, 'analytics-service', 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build -w analytics-service\` first`);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      ES_URL: esUrl,
      PORT: String(port),
      AISEC_API_KEYS: `read:${READ_KEY}`,
      AISEC_INDEX_PREFIX: prefix,
      AISEC_EVENTS_SHARDS: String(SHARDS),
      AISEC_DETECTION_STREAMING: 'false',
      AISEC_UEBA_REFRESH_INTERVAL: 'off',
      AISEC_RATE_LIMIT_PER_MIN: '0',
      ES_REQUEST_TIMEOUT_MS: '60000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
    if (await fetch(`${url}/ready`).then((r) => r.ok, () => false)) break;
    if (i > 480) throw new Error('service not ready within 2 minutes');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Measuring

const MAX_DATA_POINTS = 1000;
/** Grafana's interval for a 30-day range at 1000 points (2 592 s), rounded as Grafana rounds it. */
const INTERVAL_MS = HOUR;

interface Target {
  name: string;
  params: string;
  target: Record<string, unknown>;
}

/** Every kind, with the parameters the provisioned dashboards use (dashboards/src/dashboards.ts), variables at "All". */
function targets(data: Dataset): Target[] {
  const heaviest = data.users[0]!.id;
  return [
    { name: 'event_volume', params: 'groupBy category', target: { kind: 'event_volume', groupBy: 'category' } },
    { name: 'event_volume', params: 'groupBy user_id, limit 10', target: { kind: 'event_volume', groupBy: 'user_id', limit: 10 } },
    { name: 'top_users', params: 'source alerts, limit 10', target: { kind: 'top_users', source: 'alerts', limit: 10 } },
    { name: 'top_users', params: 'source events (high/critical)', target: { kind: 'top_users', source: 'events', limit: 10 } },
    { name: 'risk_matrix', params: 'security events', target: { kind: 'risk_matrix' } },
    { name: 'risk_matrix', params: 'includeRequests', target: { kind: 'risk_matrix', includeRequests: true } },
    { name: 'judge_score_distribution', params: 'bucketSize 0.1', target: { kind: 'judge_score_distribution', bucketSize: 0.1 } },
    { name: 'judge_score_distribution', params: 'byJudgeModel', target: { kind: 'judge_score_distribution', bucketSize: 0.1, byJudgeModel: true } },
    { name: 'judge_drift', params: 'threshold 0.15, 7 days', target: { kind: 'judge_drift', threshold: 0.15, trailingDays: 7 } },
    { name: 'guardrail_effectiveness', params: 'timeseries', target: { kind: 'guardrail_effectiveness', format: 'timeseries' } },
    { name: 'guardrail_effectiveness', params: 'total, byPolicy', target: { kind: 'guardrail_effectiveness', format: 'total', byPolicy: true } },
    { name: 'alerts', params: 'limit 200', target: { kind: 'alerts', limit: 200 } },
    { name: 'alert_summary', params: 'by severity, open', target: { kind: 'alert_summary', groupBy: 'severity', status: 'open' } },
    { name: 'alert_summary', params: 'by rule, open critical', target: { kind: 'alert_summary', groupBy: 'rule_id', status: 'open', severity: ['critical'] } },
    { name: 'entity_baseline', params: 'busiest user, all sections', target: { kind: 'entity_baseline', entityKind: 'user', entityId: heaviest } },
    { name: 'values', params: 'user_id, limit 200', target: { kind: 'values', field: 'user_id', limit: 200 } },
    { name: 'values', params: 'model', target: { kind: 'values', field: 'model' } },
    { name: 'annotations', params: 'minSeverity high, limit 500', target: { kind: 'annotations', minSeverity: 'high', limit: 500 } },
  ];
}

/** The SOC overview dashboard's panels (dashboards/src/dashboards.ts), one entry per panel request. */
function socOverviewPanels(): Array<Array<Record<string, unknown>>> {
  return [
    ['critical', 'high', 'medium'].map((s) => ({ kind: 'alert_summary', groupBy: 'severity', status: 'open', severity: [s] })),
    [{ kind: 'guardrail_effectiveness', format: 'total' }],
    [{ kind: 'alert_summary', groupBy: 'rule_id', status: 'open', severity: ['critical'] }],
    [{ kind: 'event_volume', groupBy: 'category' }],
    [{ kind: 'top_users', source: 'alerts', limit: 10 }],
    [{ kind: 'risk_matrix' }],
    [{ kind: 'judge_score_distribution', bucketSize: 0.1, byJudgeModel: false }],
    [{ kind: 'alerts', limit: 200 }],
    [{ kind: 'annotations', minSeverity: 'high' }],
    [{ kind: 'values', field: 'user_id' }],
    [{ kind: 'values', field: 'model' }],
    [{ kind: 'values', field: 'endpoint' }],
  ];
}

/** The 30-day window of run `i`, shifted back by i minutes so that no two runs send the same request. */
function range(i: number) {
  return { from: new Date(START - i * 60_000).toISOString(), to: new Date(END - i * 60_000).toISOString() };
}

async function post(service: Service, body: unknown): Promise<{ ms: number; response: QueryResponse }> {
  const started = process.hrtime.bigint();
  const res = await fetch(`${service.url}/v1/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${READ_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 200) throw new Error(`POST /v1/query answered ${res.status}: ${text.slice(0, 300)}`);
  return { ms, response: JSON.parse(text) as QueryResponse };
}

function check(response: QueryResponse, what: string): { frames: number } {
  let frames = 0;
  for (const [refId, result] of Object.entries(response.results)) {
    if (result.status !== 200) throw new Error(`${what} ${refId}: status ${result.status}: ${result.error}`);
    frames += result.frames.length;
  }
  return { frames };
}

interface Measured {
  p50: number;
  p95: number;
  max: number;
  frames: number;
  /** Elasticsearch `took`, p50 and p95 (ms), when recorded */
  tookP50?: number;
  tookP95?: number;
}

function summarize(samples: number[], frames: number, took: number[] = []): Measured {
  const sorted = [...samples].sort((a, b) => a - b);
  const out: Measured = { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1]!, frames };
  if (took.length > 0) {
    const t = [...took].sort((a, b) => a - b);
    Object.assign(out, { tookP50: percentile(t, 50), tookP95: percentile(t, 95) });
  }
  return out;
}

/** The client with every `search` response's `took` added up, for the service's query code run in this process. */
function tookRecorder(es: Client): { es: Client; take(): number } {
  let took = 0;
  const proxy = new Proxy(es, {
    get(target, property, receiver) {
      if (property === 'search') {
        return async (...params: Parameters<Client['search']>) => {
          const response = await (target.search as (...p: unknown[]) => Promise<{ took?: number }>)(...params);
          took += response.took ?? 0;
          return response;
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  return {
    es: proxy,
    take() {
      const value = took;
      took = 0;
      return value;
    },
  };
}

async function measure(service: Service, data: Dataset, es: Client, names: IndexNames): Promise<{ kinds: Measured[]; batch: Measured; panels: Measured; load: [number, number] }> {
  const loadBefore = loadavg()[0]!;
  const list = targets(data);
  const samples = list.map(() => [] as number[]);
  const took = list.map(() => [] as number[]);
  const frames = list.map(() => 0);
  const base = { maxDataPoints: MAX_DATA_POINTS, intervalMs: INTERVAL_MS };
  const recorder = tookRecorder(es);
  for (let run = -WARMUP; run < RUNS; run++) {
    for (const [i, t] of list.entries()) {
      const { ms, response } = await post(service, { ...base, range: range(run + WARMUP + 1), targets: [{ refId: 'A', ...t.target }] });
      const { frames: n } = check(response, `${t.name} (${t.params})`);
      if (run >= 0) {
        samples[i]!.push(ms);
        frames[i] = n;
      }
      if (!args['skip-took']) {
        recorder.take();
        const request = { ...base, range: range(-(run + WARMUP + 1)), targets: [{ refId: 'A', ...t.target }] } as QueryRequest;
        check(await runQuery({ es: recorder.es, indices: names }, request), `${t.name} (${t.params}), in process`);
        if (run >= 0) took[i]!.push(recorder.take());
      }
    }
    process.stderr.write(`\rper-kind runs: ${run + WARMUP + 1}/${RUNS + WARMUP}   `);
  }
  process.stderr.write('\n');

  const panels = socOverviewPanels();
  const batchTargets = panels.flat().map((t, i) => ({ refId: `P${i}`, ...t }));
  const batchSamples: number[] = [];
  const panelSamples: number[] = [];
  let batchFrames = 0;
  for (let run = -WARMUP; run < RUNS; run++) {
    // shifted past the per-kind runs' windows
    const window = range(RUNS + WARMUP + 1 + 2 * (run + WARMUP));
    const { ms, response } = await post(service, { ...base, range: window, targets: batchTargets });
    batchFrames = check(response, 'dashboard batch').frames;
    const started = process.hrtime.bigint();
    const panelWindow = range(RUNS + WARMUP + 2 + 2 * (run + WARMUP));
    await Promise.all(panels.map(async (panel, p) => check((await post(service, { ...base, range: panelWindow, targets: panel.map((t, i) => ({ refId: `P${p}-${i}`, ...t })) })).response, `panel ${p}`)));
    const panelMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (run >= 0) {
      batchSamples.push(ms);
      panelSamples.push(panelMs);
    }
    process.stderr.write(`\rdashboard runs: ${run + WARMUP + 1}/${RUNS + WARMUP}   `);
  }
  process.stderr.write('\n');
  return {
    kinds: list.map((_, i) => summarize(samples[i]!, frames[i]!, took[i]!)),
    batch: summarize(batchSamples, batchFrames),
    panels: summarize(panelSamples, panels.length),
    load: [loadBefore, loadavg()[0]!],
  };
}

// ---------------------------------------------------------------------------------------------

async function elasticsearch(): Promise<{ url: string; es: Client; stop: () => Promise<void>; embedded: boolean; dataDir?: string }> {
  const env = process.env;
  const clientFor = (url: string) =>
    createElasticsearchClient({
      url,
      requestTimeoutMs: 300_000,
      maxRetries: 1,
      ...(env.ES_API_KEY ? { apiKey: env.ES_API_KEY } : {}),
      ...(env.ES_USERNAME ? { username: env.ES_USERNAME } : {}),
      ...(env.ES_PASSWORD ? { password: env.ES_PASSWORD } : {}),
      ...(env.ES_CA_FILE ? { caFile: env.ES_CA_FILE } : {}),
    });
  if (env.ES_URL) {
    const url = env.ES_URL.replace(/\/+$/, '');
    const es = clientFor(url);
    return { url, es, stop: () => es.close(), embedded: false };
  }
  const dataDir = KEEP ? (args['es-data'] ?? join(tmpdir(), 'aisec-bench-query-es')) : undefined;
  process.stderr.write(`starting an embedded Elasticsearch (heap ${args.heap}${dataDir ? `, data in ${dataDir}` : ''})\n`);
  const node = await startEmbeddedElasticsearch({ distHome: await ensureDistribution(), heap: args.heap, clusterName: 'aisec-bench-query', startTimeoutMs: 300_000, ...(dataDir ? { dataDir } : {}) });
  const es = clientFor(node.url);
  return {
    url: node.url,
    es,
    embedded: true,
    ...(dataDir ? { dataDir } : {}),
    async stop() {
      await es.close();
      await node.stop();
    },
  };
}

async function describeIndex(es: Client, index: string): Promise<string> {
  const stats = await es.indices.stats({ index, metric: ['store', 'segments', 'docs'], level: 'shards' });
  const all = stats._all.primaries!;
  const shards = Object.values(stats.indices ?? {}).reduce((n, i) => n + Object.keys(i.shards ?? {}).length, 0);
  return `${((all.store?.size_in_bytes ?? 0) / 2 ** 20).toFixed(0)} MiB, ${shards} shard${shards === 1 ? '' : 's'}, ${all.segments?.count ?? '?'} segments`;
}

async function main() {
  const cluster = await elasticsearch();
  const { es } = cluster;
  const results: Array<{ size: number; data: Dataset; load: LoadReport; index: string; measured: Awaited<ReturnType<typeof measure>> }> = [];
  let esInfo = '';
  try {
    // the minimal distribution has no `GET /`
    const nodes = await es.nodes.info({ node_id: '_local', metric: 'jvm', filter_path: 'nodes.*.version,nodes.*.jvm.mem.heap_max_in_bytes' });
    const node = Object.values(nodes.nodes ?? {})[0];
    const heapBytes = node?.jvm?.mem?.heap_max_in_bytes ?? 0;
    esInfo = `Elasticsearch ${node?.version ?? '?'}${cluster.embedded ? ' (embedded, minimal distribution)' : ''}, heap ${(heapBytes / 2 ** 30).toFixed(1)} GiB, single node`;
    for (const size of SIZES) {
      const prefix = `bench-query-${label(size)}${SHARDS > 1 ? `-${SHARDS}shards` : ''}`;
      const names = indexNames(prefix);
      const data = new Dataset(size);
      process.stderr.write(`\n== ${fmt(size)} events (${fmt(data.users.length)} users) ==\n`);
      const loaded = await load(es, names, data);
      const index = await describeIndex(es, names.events);
      const service = await startService(cluster.url, prefix);
      try {
        results.push({ size, data, load: loaded, index, measured: await measure(service, data, es, names) });
      } finally {
        await service.stop();
      }
    }
  } finally {
    if (!KEEP && !cluster.embedded) process.stderr.write('note: data left in the cluster (run with a fresh node, or delete the bench-query-* indices)\n');
    await cluster.stop();
  }
  report(results, esInfo);
}

function report(results: Array<{ size: number; data: Dataset; load: LoadReport; index: string; measured: Awaited<ReturnType<typeof measure>> }>, esInfo: string) {
  const info = machine();
  const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  const withTook = !args['skip-took'];
  const L = (r: { size: number }) => label(r.size).toUpperCase();
  const head = results.map((r) => `${L(r)} p50 | ${L(r)} p95${withTook ? ` | ${L(r)} ES took p50` : ''}`).join(' | ');
  const cols = withTook ? 3 : 2;
  const list = targets(results[0]!.data);
  console.log(`\n### Dashboard queries: POST /v1/query over 30 days (milliseconds, ${RUNS} runs after ${WARMUP} warm-up, client-side round trip)\n`);
  console.log(`| kind | parameters | ${head} |`);
  console.log(`|---|---|${results.map(() => Array(cols).fill('---:').join('|')).join('|')}|`);
  for (const [i, t] of list.entries()) {
    const cells = (r: (typeof results)[number]) => {
      const k = r.measured.kinds[i]!;
      return [ms(k.p50), ms(k.p95), ...(withTook ? [ms(k.tookP50 ?? NaN)] : [])].join(' | ');
    };
    console.log(`| \`${t.name}\` | ${t.params} | ${results.map(cells).join(' | ')} |`);
  }
  const panelCount = socOverviewPanels().length;
  const batchTargets = socOverviewPanels().flat().length;
  const blank = withTook ? ' | ' : '';
  console.log(`| **SOC overview, one batch** | ${batchTargets} targets in one request | ${results.map((r) => `**${ms(r.measured.batch.p50)}** | **${ms(r.measured.batch.p95)}**${blank}`).join(' | ')} |`);
  console.log(`| **SOC overview, per panel** | ${panelCount} concurrent requests, until the last answer | ${results.map((r) => `**${ms(r.measured.panels.p50)}** | **${ms(r.measured.panels.p95)}**${blank}`).join(' | ')} |`);
  const worst = results.map((r) => Math.max(...r.measured.kinds.map((k) => k.p95)));
  console.log(`\nSlowest kind p95: ${results.map((r, i) => `${label(r.size).toUpperCase()} ${ms(worst[i]!)} ms`).join(', ')} (goal ≤ 300 ms).\n`);
  console.log('| data set | events | users | alerts | baselines | events index | load |');
  console.log('|---|---:|---:|---:|---:|---|---|');
  for (const r of results) {
    console.log(
      `| ${label(r.size).toUpperCase()} | ${fmt(r.load.events)} | ${fmt(r.data.users.length)} | ${fmt(r.load.alerts)} | ${fmt(r.load.baselines)} | ${r.index} | ${r.load.reused ? 'reused (--reuse)' : `${r.load.seconds.toFixed(0)} s (${fmt(Math.round(r.load.events / r.load.seconds))} events/s, _bulk ${BATCH} × ${CONCURRENCY})`} |`,
    );
  }
  console.log(`\nMachine: ${info.cores} cores (${info.cpu}), ${info.memory} RAM, Node ${info.node}; ${esInfo}; service from analytics-service/dist, ` +
    'streaming detection and UEBA refresh off. Elasticsearch, the service and this client share the machine. ' +
    `1-minute load average at the start and end of the measurements: ${results.map((r) => `${L(r)} ${r.measured.load[0].toFixed(1)} → ${r.measured.load[1].toFixed(1)}`).join(', ')}.`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
