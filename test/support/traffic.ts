/**
 * Realistic, deterministic ai_security traffic: a seeded PRNG, user profiles (department, country, address,
 * models, endpoints, working hours, agents), a benign day of sessions, and attack scenarios that each trip a
 * known rule. Same seed, same events. Used by the detection tests and benchmarks, and meant for the demo
 * generator, so it depends on nothing but the event contract's field names.
 *
 * Benign traffic stays inside the detection catalogue's defaults on purpose (approved models, allowlisted tools,
 * single country, few off-hours requests, no secrets in text): a day of it must raise no alert.
 */

export type TrafficEvent = Record<string, unknown> & { timestamp: string; category: string; event_id: string };

/** mulberry32: small, fast, good enough for test data; deterministic per seed. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Random {
  constructor(private readonly next: () => number) {}
  static seeded(seed: number): Random {
    return new Random(createRng(seed));
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** log-normal around a median, for token counts and latencies */
  logNormal(median: number, sigma: number): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return median * Math.exp(sigma * z);
  }
}

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
const AGENTS = [
  { agent_id: 'support-agent', tools: ['search_kb', 'create_ticket', 'send_email'] },
  { agent_id: 'research-agent', tools: ['web_search', 'read_document', 'summarize'] },
  { agent_id: 'finance-agent', tools: ['query_ledger', 'create_report'] },
];
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
export function userProfiles(random: Random, count: number): UserProfile[] {
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
    if (random.chance(0.2)) profile.agent = random.pick(AGENTS);
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
  const random = Random.seeded(options.seed);
  const users = userProfiles(Random.seeded(options.populationSeed ?? 0x5eed), options.users);
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
        const cost = Math.round((tokensIn * 0.000003 + tokensOut * 0.000015) * 1e6) / 1e6;
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
  events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  return events;
}

/** An attack scenario: its events and the rule that must catch it. */
export interface Attack {
  rule: string;
  events: TrafficEvent[];
}

const iso = (t: number) => new Date(t).toISOString();

/** Attack scenarios starting at `t`, with entity names unique to `tag`. Each trips exactly the named rule (at least). */
export const attacks = {
  promptInjectionBurst(t: number, tag: string, attempts = 6): Attack {
    return {
      rule: 'prompt_injection_repeated',
      events: Array.from({ length: attempts }, (_, i) => ({
        timestamp: iso(t + i * 5000),
        category: 'prompt_attack',
        event_id: `${tag}-pi-${i}`,
        user_id: `attacker-${tag}`,
        src_ip: '192.0.2.200',
        endpoint: '/api/v1/chat',
        finding: { description: 'instruction override attempt', confidence: 0.9, attack_vector: 'direct' },
      })),
    };
  },
  guardrailBlockBurst(t: number, tag: string, blocks = 12): Attack {
    return {
      rule: 'guardrail_block_burst',
      events: Array.from({ length: blocks }, (_, i) => ({ timestamp: iso(t + i * 2000), category: 'guardrail_block', event_id: `${tag}-gb-${i}`, user_id: `prober-${tag}`, policy_violated: 'toxicity', decision: 'block' })),
    };
  },
  injectionThenExfil(t: number, tag: string): Attack {
    return {
      rule: 'injection_then_exfil',
      events: [
        { timestamp: iso(t), category: 'prompt_attack', event_id: `${tag}-ie-0`, user_id: `exfil-${tag}` },
        { timestamp: iso(t + 60_000), category: 'request', event_id: `${tag}-ie-1`, user_id: `exfil-${tag}`, tokens_in: 50, tokens_out: 9000, endpoint: '/api/v1/chat' },
      ],
    };
  },
  boundaryThenTool(t: number, tag: string): Attack {
    return {
      rule: 'boundary_then_tool',
      events: [
        { timestamp: iso(t), category: 'agent_boundary_violation', event_id: `${tag}-bt-0`, agent_id: `agent-${tag}`, tool_name: 'delete_records' },
        { timestamp: iso(t + 30_000), category: 'tool_invocation', event_id: `${tag}-bt-1`, agent_id: `agent-${tag}`, tool_name: 'send_email', tool_params: { to: 'drop@exfil.example.net' } },
      ],
    };
  },
  secretInOutput(t: number, tag: string): Attack {
    return {
      rule: 'sensitive_data_in_output',
      events: [{ timestamp: iso(t), category: 'request', event_id: `${tag}-so-0`, user_id: `leaky-${tag}`, endpoint: '/api/v1/chat', output_text: 'Sure, the key is AKIAIOSFODNN7EXAMPLE and the card is 4111 1111 1111 1111.' }],
    };
  },
  guardrailBypass(t: number, tag: string): Attack {
    return {
      rule: 'guardrail_bypass',
      events: [{ timestamp: iso(t), category: 'judge_flag', event_id: `${tag}-gp-0`, user_id: `bypass-${tag}`, endpoint: '/api/v1/chat', guardrail_result: 'pass', judge_score: 0.97, policy_violated: 'harmful_content' }],
    };
  },
};

export type AttackKind = keyof typeof attacks;
export const ATTACK_KINDS = Object.keys(attacks) as AttackKind[];
