/**
 * Test profile "benign day": user profiles (department, country, address, models, endpoints, working hours,
 * agents) and a benign day of sessions. Same seed, same events. Used by the detection tests and benchmarks.
 *
 * Benign traffic stays inside the detection catalogue's defaults on purpose (approved models, allowlisted tools,
 * single country, few off-hours requests, no secrets in text): a day of it must raise no alert.
 */
import { AGENT_ALLOWLISTS, byTimestamp, costUsd, type TrafficEvent } from './events.js';
import { Rng } from './random.js';

export interface UserProfile {
  user_id: string;
  department: string;
  country: string;
  src_ip: string;
  models: string[];
  endpoints: string[];
  /** local working hours, UTC */
  startHour: number;
  endHour: number;
  sessionsPerDay: number;
  agent?: { agent_id: string; tools: string[] };
}

const DEPARTMENTS: Array<{ name: string; models: string[] }> = [
  { name: 'retail_banking', models: ['gpt-4o', 'retail-assist-ft', 'claude-haiku-4-5'] },
  { name: 'investment_banking', models: ['gpt-4o', 'ib-research-ft', 'claude-sonnet-4-5-20250929'] },
  { name: 'compliance', models: ['claude-sonnet-4-5-20250929', 'retail-assist-ft', 'ib-research-ft'] },
  { name: 'engineering', models: ['gpt-4o-mini', 'claude-sonnet-4-5-20250929', 'gpt-4o'] },
  { name: 'marketing', models: ['gpt-4o-mini', 'claude-haiku-4-5'] },
];
const ENDPOINTS = ['/api/v1/chat', '/api/v1/summarize', '/api/v1/search', '/api/v1/draft'];
const COUNTRIES = ['GB', 'US', 'DE', 'FR', 'IE', 'NL'];
const PROMPTS = [
  'Summarize the attached quarterly report in five bullet points.',
  'Draft a polite reply to the customer asking about delivery times.',
  'What are the main differences between the two pricing plans?',
  'Translate this paragraph into French for the newsletter.',
  'List the action items from the meeting notes below.',
  'Explain the onboarding steps for a new team member.',
  'Rewrite this paragraph so it is easier to read.',
  'Which documents mention the new travel policy?',
];
const ANSWERS = [
  'Here is a short summary of the main points you asked about.',
  'Thank you for your message. Your order is on its way and should arrive soon.',
  'The standard plan includes email support; the premium plan adds phone support.',
  'The action items are: update the roadmap, book the review, and share the notes.',
  'Step one is to request access, step two is the security training, step three is the team intro.',
  'I found three documents that mention the travel policy, all published this quarter.',
];

/** Deterministic user profiles. */
export function userProfiles(random: Rng, count: number): UserProfile[] {
  return Array.from({ length: count }, (_, i) => {
    const department = random.pick(DEPARTMENTS);
    const start = random.int(7, 10);
    const profile: UserProfile = {
      user_id: `user${String(i).padStart(4, '0')}@example.com`,
      department: department.name,
      country: random.pick(COUNTRIES),
      src_ip: `10.${Math.floor(i / 250) % 256}.${i % 250}.${random.int(1, 254)}`,
      models: [department.models[0]!, ...(random.chance(0.5) ? [random.pick(department.models)] : [])],
      endpoints: [ENDPOINTS[0]!, ...(random.chance(0.5) ? [random.pick(ENDPOINTS)] : [])],
      startHour: start,
      endHour: Math.min(22, start + random.int(7, 11)),
      sessionsPerDay: random.int(2, 6),
    };
    if (random.chance(0.2)) profile.agent = random.pick(AGENT_ALLOWLISTS);
    return profile;
  });
}

export interface BenignDayOptions {
  seed: number;
  users: number;
  /** UTC midnight of the day */
  day: Date;
  /** prefix for event ids, so several days or runs never collide */
  idPrefix?: string;
  /** keep prompt and response text (off makes events smaller for benchmarks) */
  withText?: boolean;
  /** seed of the user population: keep it fixed across days so that the same people come back */
  populationSeed?: number;
}

/** One benign day of traffic for `users` users, sorted by time. */
export function benignDay(options: BenignDayOptions): TrafficEvent[] {
  const random = Rng.seeded(options.seed);
  const users = userProfiles(Rng.seeded(options.populationSeed ?? 0x5eed), options.users);
  const events: TrafficEvent[] = [];
  const dayStart = options.day.getTime();
  const prefix = options.idPrefix ?? `benign-${options.seed}-${options.day.toISOString().slice(0, 10)}`;
  let n = 0;
  const emit = (t: number, fields: Record<string, unknown>) => {
    events.push({ timestamp: new Date(Math.floor(t)).toISOString(), event_id: `${prefix}-${n++}`, ...fields } as TrafficEvent);
  };
  for (const user of users) {
    const who = { user_id: user.user_id, user_department: user.department, src_ip: user.src_ip, src_country: user.country, user_is_admin: false };
    let policyEvents = 0;
    for (let s = 0; s < user.sessionsPerDay; s++) {
      // most sessions in working hours; a few in the evening (still business hours by the defaults)
      const hour = random.chance(0.9) ? random.int(user.startHour, user.endHour - 1) : random.int(19, 21);
      let t = dayStart + hour * 3_600_000 + random.int(0, 3_599_999);
      const session_id = `${user.user_id}-s${s}`;
      const model = random.pick(user.models);
      const endpoint = random.pick(user.endpoints);
      const turns = random.int(2, 9);
      let sessionCost = 0;
      for (let turn = 1; turn <= turns; turn++) {
        const tokensIn = Math.round(random.logNormal(400, 0.5));
        // capped well under 5× the endpoints' mean output, so that benign answers never look like exfiltration
        const tokensOut = Math.min(2000, Math.round(tokensIn * random.logNormal(1.5, 0.4)));
        const cost = costUsd(tokensIn, tokensOut);
        sessionCost += cost;
        const request: Record<string, unknown> = {
          ...who,
          category: 'request',
          session_id,
          request_id: `${session_id}-t${turn}`,
          model,
          endpoint,
          provider: model.startsWith('claude') ? 'anthropic' : 'openai',
          tokens_in: tokensIn,
          tokens_out: tokensOut,
          latency_ms: Math.round(random.logNormal(900, 0.4)),
          cost_usd: cost,
          session_cost_usd: Math.round(sessionCost * 1e6) / 1e6,
          conversation_turn: turn,
          decision: 'allow',
          guardrail_result: 'pass',
          risk_tier: 2,
        };
        if (options.withText !== false) {
          request.input_text = random.pick(PROMPTS);
          request.output_text = random.pick(ANSWERS);
        }
        emit(t, request);
        // the judge sometimes flags an answer at low confidence
        if (random.chance(0.03) && policyEvents < 2) {
          policyEvents++;
          emit(t + 2000, { ...who, category: 'judge_flag', session_id, model, endpoint, judge_model: 'gpt-4o', judge_score: Math.round(random.float() * 60 + 10) / 100, severity: 'low', guardrail_result: 'pass', judge_verdict: 'minor_style_issue', policy_violated: 'tone' });
        }
        // and a guardrail occasionally blocks a prompt (PII pasted by mistake)
        if (random.chance(0.01) && policyEvents < 2) {
          policyEvents++;
          emit(t + 500, { ...who, category: 'guardrail_block', session_id, model, endpoint, decision: 'block', guardrail_result: 'block', policy_violated: 'pii', severity: 'low' });
        }
        if (user.agent && random.chance(0.3)) {
          const tool = random.pick(user.agent.tools);
          emit(t + 1500, {
            ...who,
            category: 'tool_invocation',
            session_id,
            agent_id: user.agent.agent_id,
            tool_name: tool,
            tool_allowed: true,
            tool_outcome: 'success',
            ...(tool === 'send_email' ? { tool_params: { to: `colleague${random.int(1, 50)}@example.com`, subject: 'Follow-up' } } : {}),
          });
        }
        t += random.int(20, 240) * 1000;
      }
    }
    if (random.chance(0.05)) emit(dayStart + user.startHour * 3_600_000 - 60_000, { ...who, category: 'auth_failure', decision: 'block' });
  }
  events.sort(byTimestamp);
  return events;
}

