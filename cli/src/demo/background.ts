/**
 * Background traffic: what an ordinary day at the gateway looks like. Users make model calls in their working
 * hours (sessions of a few turns, tokens and cost per model and endpoint), agents call the tools on their
 * allowlists, and now and then a guardrail blocks, a judge flags a borderline answer, a password is mistyped or a
 * rate limit is hit — rarely enough that ordinary users do not look like attackers. A judge-assurance sampler
 * scores one answer an hour, the series judge drift is measured on.
 */
import { activityAt, type User, type World } from './world.js';
import { Rng, mix } from './random.js';

export type DemoEvent = Record<string, unknown> & { timestamp: string; category: string; event_id: string };

const PROMPTS = [
  'Summarise the attached quarterly report in five bullet points.',
  'Draft a polite reply to the customer about the delayed delivery.',
  'What does our travel policy say about rail versus air?',
  'Explain this stack trace and suggest a fix.',
  'Translate the product description into German.',
  'List the open tickets for the onboarding project.',
  'Write a unit test for the date parsing helper.',
  'Which clauses in this contract mention termination?',
];

const JUDGE_VERDICTS = ['borderline', 'policy_violation', 'hallucination'];
const GUARDRAIL_POLICIES = ['pii', 'toxicity', 'off_topic'];

export interface BackgroundOptions {
  seed: number;
  /** events per second when every user is at work */
  rate: number;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

export function requestEvent(user: User, t: number, rng: Rng, id: string): DemoEvent {
  const model = rng.weighted(user.models);
  const endpoint = rng.pick(user.endpoints.filter((e) => e.path !== '/api/v1/agent' || user.agent));
  const tokensIn = Math.round(rng.around(endpoint.tokensIn, 0.4));
  // outputs stay within 3× the endpoint's typical size and 15× the input: large outputs are the exfil rule's business
  const tokensOut = Math.round(Math.min(tokensIn * 15, rng.around(endpoint.tokensOut, 0.4)));
  const cost = (tokensIn * model.price[0] + tokensOut * model.price[1]) / 1e6;
  const hour = Math.floor(t / 3_600_000);
  const turn = 1 + (Math.floor(t / 60_000) % 6);
  return {
    timestamp: iso(t),
    event_id: id,
    category: 'request',
    severity: 'info',
    decision: 'allow',
    tenant_id: 'acme',
    ai_system_id: endpoint.system,
    gateway_id: user.office.gateway,
    request_id: `req-${id.slice(-12)}`,
    trace_id: rng.hex(32),
    session_id: `s-${mix(user.id, hour).toString(16)}`,
    user_id: user.id,
    user_department: user.department,
    user_is_admin: user.isAdmin,
    src_ip: user.ip,
    src_country: user.office.country,
    endpoint: endpoint.path,
    provider: model.provider,
    model: model.name,
    risk_tier: endpoint.riskTier,
    direction: 'output',
    tokens_in: tokensIn,
    tokens_out: tokensOut,
    latency_ms: Math.round(rng.around(300 + tokensOut * 1.2, 0.3)),
    cost_usd: Math.round(cost * 1e6) / 1e6,
    conversation_turn: turn,
    session_cost_usd: Math.round(cost * turn * 1e6) / 1e6,
    guardrail_result: 'pass',
    ...(rng.chance(0.3) ? { input_text: rng.pick(PROMPTS) } : {}),
  };
}

function backgroundEvent(user: User, t: number, rng: Rng, id: string): DemoEvent {
  const base = requestEvent(user, t, rng, id);
  const roll = rng.next();
  if (user.agent && roll < 0.15) {
    const tool = rng.pick(user.agent.tools);
    return {
      ...base,
      category: 'tool_invocation',
      endpoint: '/api/v1/agent',
      agent_id: user.agent.id,
      tool_name: tool,
      tool_allowed: true,
      tool_outcome: 'success',
      tool_params: tool === 'send_email' ? { to: `${user.id.split('@')[0]}.team@example.com`, subject: 'Ticket update' } : { query: 'quarterly figures' },
      tool_calls_in_session: rng.int(1, 4),
    };
  }
  if (roll < 0.19) return base;
  if (roll < 0.1925) {
    return { ...base, category: 'guardrail_block', severity: 'low', decision: 'block', guardrail_result: 'block', policy_violated: rng.pick(GUARDRAIL_POLICIES), tokens_out: 0 };
  }
  if (roll < 0.1945) {
    return { ...base, category: 'judge_flag', severity: rng.pick(['low', 'medium']), judge_model: 'gpt-4o', judge_score: Math.round(rng.around(0.5, 0.2, 0.6, 1.5) * 100) / 100, judge_verdict: rng.pick(JUDGE_VERDICTS) };
  }
  if (roll < 0.1965) return { ...base, category: 'rate_limit', severity: 'low', decision: 'block', tokens_out: 0 };
  if (roll < 0.1985) return { ...base, category: 'auth_failure', severity: 'low', decision: 'block', tokens_in: 0, tokens_out: 0, cost_usd: 0 };
  return base;
}

/** One judge-assurance evaluation an hour, at minute 17, by the judge whose drift the dashboards watch. */
function judgeSample(t: number, rng: Rng, id: string): DemoEvent {
  return {
    timestamp: iso(t),
    event_id: id,
    category: 'judge_flag',
    severity: 'info',
    tenant_id: 'acme',
    ai_system_id: 'judge-assurance',
    endpoint: '/api/v1/chat',
    judge_model: 'claude-haiku-4-5',
    judge_score: Math.round(Math.min(0.75, Math.max(0.2, rng.normal(0.45, 0.07))) * 100) / 100,
    judge_verdict: 'sampled',
    guardrail_result: 'pass',
    ...(rng.chance(0.3) ? { human_verdict: rng.chance(0.85) ? 'sampled' : 'policy_violation' } : {}),
  };
}

/** Background events in [from, to); windows are aligned to 10 s so any window's events depend only on the seed. */
export function backgroundEvents(world: World, options: BackgroundOptions, from: number, to: number): DemoEvent[] {
  const WINDOW = 10_000;
  const perActivity = options.rate / world.peakActivity;
  const events: DemoEvent[] = [];
  for (let w = Math.floor(from / WINDOW) * WINDOW; w < to; w += WINDOW) {
    const rng = new Rng(mix(options.seed, 'bg', w));
    let n = 0;
    for (const user of world.users) {
      const active = activityAt(user, w);
      if (active === 0) continue;
      const count = rng.poisson(perActivity * active * (WINDOW / 1000));
      for (let k = 0; k < count; k++) {
        const t = w + Math.floor(rng.next() * WINDOW);
        const event = backgroundEvent(user, t, rng, `demo-${options.seed}-${w.toString(36)}-${n++}`);
        if (t >= from && t < to) events.push(event);
      }
    }
    const sampleAt = Math.floor(w / 3_600_000) * 3_600_000 + 17 * 60_000;
    if (sampleAt >= w && sampleAt < w + WINDOW && sampleAt >= from && sampleAt < to) events.push(judgeSample(sampleAt, rng, `demo-${options.seed}-${w.toString(36)}-judge`));
  }
  return events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
}
