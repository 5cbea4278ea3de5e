/**
 * Benchmark profile "bulk month": 30 days of an enterprise gateway's traffic at any size, streamed in hour slots
 * (never more than one event in memory), plus what the detection engine and the UEBA job would have written for
 * such traffic: alerts (one per ~250 events, real rule ids) and one baseline per user, model and endpoint.
 * Deterministic: the same size always gives the same documents and ids.
 */
import { DAY_MS, HOUR_MS } from '../time.js';
import { costUsd, type TrafficEvent } from './events.js';
import { Rng } from './random.js';
import { AGENTS as DEMO_AGENTS } from './world.js';

/** A Monday; the data covers [BULK_START, BULK_END). */
export const BULK_START = Date.UTC(2026, 0, 5);
export const BULK_END = BULK_START + 30 * DAY_MS;

type BulkSeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export interface BulkUser {
  id: string;
  department: string;
  country: string;
  ip: string;
  models: string[];
  endpoints: string[];
  agent?: { id: string; tools: string[] };
}

const DEPARTMENTS = ['retail_banking', 'investment_banking', 'compliance', 'engineering', 'marketing', 'operations', 'legal', 'hr'];
export const BULK_MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5-20250929', 'claude-haiku-4-5', 'retail-assist-ft', 'ib-research-ft', 'llama-3-70b'];
const PROVIDER: Record<string, string> = { 'claude-sonnet-4-5-20250929': 'anthropic', 'claude-haiku-4-5': 'anthropic', 'llama-3-70b': 'meta' };
export const BULK_ENDPOINTS = ['/api/v1/chat', '/api/v1/summarize', '/api/v1/search', '/api/v1/draft', '/api/v1/rag', '/api/v1/agent'];
const ENDPOINT_TIER: Record<string, number> = { '/api/v1/search': 1, '/api/v1/summarize': 2, '/api/v1/chat': 2, '/api/v1/draft': 2, '/api/v1/rag': 3, '/api/v1/agent': 3 };
const COUNTRIES = ['GB', 'US', 'DE', 'FR', 'IE', 'NL', 'ES', 'PL'];
/** the detection config's allowlisted agents, plus one the config does not know */
const AGENTS: Array<{ id: string; tools: string[] }> = [...DEMO_AGENTS, { id: 'ops-agent', tools: ['run_query', 'restart_service', 'page_oncall'] }];
const POLICIES = ['pii', 'toxicity', 'credential_exposure', 'jailbreak', 'financial_advice_without_disclaimer', 'harmful_content', 'tone'];
const JUDGES: Array<[string, number]> = [['judge-gpt-4o', 0.6], ['judge-claude', 0.3], ['judge-llama', 0.1]];

/** Category mix of an enterprise gateway: mostly ordinary requests, a thin tail of security events. */
const CATEGORY_MIX: Array<[string, number]> = [
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

export class BulkDataset {
  readonly users: BulkUser[];
  /** heavy-tailed activity: a few users send much of the traffic */
  private readonly userCdf: Float64Array;
  private readonly categoryCdf = cumulative(CATEGORY_MIX.map(([, w]) => w));
  private readonly judgeCdf = cumulative(JUDGES.map(([, w]) => w));
  /** events in each hour of the 30 days: weekday × hour-of-day curve, rounded so they add up to exactly `events` */
  readonly perHour: number[];

  constructor(readonly events: number) {
    const random = Rng.seeded(0x51ee7);
    const userCount = Math.max(200, Math.round(events / 1000));
    this.users = Array.from({ length: userCount }, (_, i) => {
      const department = random.pick(DEPARTMENTS);
      const models = [random.pick(BULK_MODELS), ...(random.chance(0.4) ? [random.pick(BULK_MODELS)] : [])];
      const endpoints = [random.pick(BULK_ENDPOINTS), ...(random.chance(0.5) ? [random.pick(BULK_ENDPOINTS)] : [])];
      const user: BulkUser = {
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
      const weekday = new Date(BULK_START + d * DAY_MS).getUTCDay();
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
  *generate(): Generator<TrafficEvent> {
    const random = Rng.seeded(0xda7a);
    let n = 0;
    for (let slot = 0; slot < this.perHour.length; slot++) {
      const slotStart = BULK_START + slot * HOUR_MS;
      for (let k = 0; k < this.perHour[slot]!; k++) {
        yield this.event(random, slotStart + random.int(0, HOUR_MS - 1), n++);
      }
    }
  }

  private event(random: Rng, t: number, n: number): TrafficEvent {
    const user = this.users[draw(this.userCdf, random.float())]!;
    const category = CATEGORY_MIX[draw(this.categoryCdf, random.float())]![0];
    const model = random.pick(user.models);
    const endpoint = random.pick(user.endpoints);
    const day = Math.floor((t - BULK_START) / DAY_MS);
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
          cost_usd: costUsd(tokensIn, tokensOut),
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
    return e as TrafficEvent;
  }

  /** What the detection engine would have raised on traffic like this: one alert per ~250 events. */
  *alerts(): Generator<Record<string, unknown>> {
    const random = Rng.seeded(0xa1e7);
    const count = Math.round(this.events / 250);
    const rules: Array<[string, BulkSeverity, number]> = [
      ['prompt_injection_repeated', 'high', 12], ['guardrail_block_burst', 'high', 10], ['judge_flag_burst', 'high', 8], ['judge_high_severity_burst', 'high', 5],
      ['auth_failure_burst', 'high', 6], ['credential_exposure', 'high', 4], ['sensitive_data_in_output', 'high', 4], ['exfil_output_volume', 'high', 3],
      ['off_hours_geo_shift', 'medium', 8], ['session_cost_anomaly', 'medium', 6], ['new_model_first_seen', 'medium', 4], ['model_enumeration', 'medium', 2],
      ['tool_outside_allowlist', 'high', 3], ['agent_boundary_violation', 'high', 2], ['boundary_then_tool', 'critical', 1], ['injection_then_exfil', 'critical', 1],
      ['guardrail_bypass', 'critical', 2], ['unauthorized_tool_recipient', 'critical', 1], ['cross_department_access', 'high', 3], ['repeated_policy_violations', 'high', 4],
      ['ueba_volume_spike', 'medium', 6], ['ueba_cost_spike', 'medium', 3], ['ueba_new_country', 'medium', 3], ['ueba_off_profile_hours', 'low', 5], ['judge_drift', 'medium', 1],
    ];
    const ruleCdf = cumulative(rules.map(([, , w]) => w));
    const ranks: Record<BulkSeverity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
    for (let i = 0; i < count; i++) {
      const [rule, baseBulkSeverity] = rules[draw(ruleCdf, random.float())]!;
      const severity: BulkSeverity = baseBulkSeverity === 'high' && random.chance(0.1) ? 'critical' : baseBulkSeverity === 'medium' && random.chance(0.1) ? 'high' : baseBulkSeverity;
      const user = this.users[draw(this.userCdf, random.float())]!;
      const end = BULK_START + Math.floor(((i + random.float()) / count) * 30 * DAY_MS);
      const start = end - random.int(1, 60) * 60_000;
      const ageDays = (BULK_END - end) / DAY_MS;
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
        event_ids: Array.from({ length: Math.min(observed, 10) }, (_, k) => `qb-${Math.floor(((end - BULK_START) / (30 * DAY_MS)) * this.events) + k}`),
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
    const random = Rng.seeded(0xba5e);
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
      '@timestamp': new Date(BULK_END - HOUR_MS).toISOString(),
      entity_kind: kind,
      entity_id: id,
      window_start: new Date(BULK_END - 28 * DAY_MS).toISOString(),
      window_end: new Date(BULK_END).toISOString(),
      time_zone: 'UTC',
      first_seen: new Date(BULK_START).toISOString(),
      last_seen: new Date(BULK_END - HOUR_MS).toISOString(),
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
      risk_updated_at: new Date(BULK_END - HOUR_MS).toISOString(),
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
    for (const model of BULK_MODELS) yield { id: `model:${model}`, doc: common('model', model, Math.round(this.events / BULK_MODELS.length)) };
    for (const endpoint of BULK_ENDPOINTS) yield { id: `endpoint:${endpoint}`, doc: common('endpoint', endpoint, Math.round(this.events / BULK_ENDPOINTS.length)) };
  }
}
