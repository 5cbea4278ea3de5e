/**
 * The cast of the demo: an organisation's users (departments, offices, working hours, favourite models and
 * endpoints), the models and endpoints of its AI gateway, and its agents with their tool allowlists. Everything
 * is derived from the seed. Models are the detection config's approved list; offices are in time zones whose
 * working hours fall inside the default business hours (06:00–23:00 UTC), so ordinary work is not "off hours".
 */
import { Rng, mix } from './random.js';

export interface Model {
  name: string;
  provider: string;
  /** USD per million tokens in / out */
  price: [number, number];
}

export const MODELS: Model[] = [
  { name: 'gpt-4o', provider: 'openai', price: [2.5, 10] },
  { name: 'gpt-4o-mini', provider: 'openai', price: [0.15, 0.6] },
  { name: 'claude-sonnet-4-5-20250929', provider: 'anthropic', price: [3, 15] },
  { name: 'claude-haiku-4-5', provider: 'anthropic', price: [1, 5] },
];

export interface Endpoint {
  path: string;
  system: string;
  riskTier: number;
  tokensIn: number;
  tokensOut: number;
}

export const ENDPOINTS: Endpoint[] = [
  { path: '/api/v1/chat', system: 'assistant', riskTier: 2, tokensIn: 450, tokensOut: 600 },
  { path: '/api/v1/rag/search', system: 'knowledge-rag', riskTier: 2, tokensIn: 1800, tokensOut: 400 },
  { path: '/api/v1/summarize', system: 'doc-summarizer', riskTier: 1, tokensIn: 3000, tokensOut: 350 },
  { path: '/api/v1/code-assist', system: 'code-assistant', riskTier: 3, tokensIn: 900, tokensOut: 800 },
  { path: '/api/v1/agent', system: 'agent-platform', riskTier: 4, tokensIn: 700, tokensOut: 500 },
];

export interface Agent {
  id: string;
  tools: string[];
}

/** The detection config's agent_tool_allowlists. */
export const AGENTS: Agent[] = [
  { id: 'support-agent', tools: ['search_kb', 'create_ticket', 'send_email'] },
  { id: 'research-agent', tools: ['web_search', 'read_document', 'summarize'] },
  { id: 'finance-agent', tools: ['query_ledger', 'create_report'] },
];

interface Office {
  country: string;
  gateway: string;
  /** working hours in UTC, [start, end) */
  hours: [number, number];
  subnet: string;
}

const OFFICES: Office[] = [
  { country: 'GB', gateway: 'gw-eu-west-1', hours: [8, 17], subnet: '10.10' },
  { country: 'DE', gateway: 'gw-eu-central-1', hours: [7, 16], subnet: '10.20' },
  { country: 'US', gateway: 'gw-us-east-1', hours: [13, 22], subnet: '10.30' },
];

const DEPARTMENTS: Array<[string, number, string | undefined]> = [
  ['engineering', 5, undefined],
  ['support', 3, 'support-agent'],
  ['finance', 2, 'finance-agent'],
  ['retail_banking', 2, undefined],
  ['investment_banking', 2, 'research-agent'],
  ['compliance', 1, 'research-agent'],
  ['legal', 1, 'research-agent'],
  ['marketing', 2, undefined],
];

const FIRST = ['alex', 'sam', 'jo', 'maria', 'li', 'priya', 'omar', 'ana', 'tom', 'eva', 'noah', 'mia', 'ivan', 'zoe', 'ken', 'lea', 'raj', 'ida', 'ben', 'nina'];
const LAST = ['smith', 'garcia', 'chen', 'muller', 'okafor', 'rossi', 'kim', 'novak', 'silva', 'haddad', 'jensen', 'tanaka', 'moreau', 'singh', 'kowalski'];

export interface User {
  id: string;
  department: string;
  office: Office;
  ip: string;
  isAdmin: boolean;
  models: Array<[Model, number]>;
  endpoints: Endpoint[];
  agent?: Agent;
  /** relative activity (some people use the assistant far more than others) */
  activity: number;
}

export interface World {
  users: User[];
  /** sum of the users' activity when everyone is working: the busiest moment */
  peakActivity: number;
}

export function buildWorld(seed: number, userCount: number): World {
  const rng = new Rng(mix(seed, 'world'));
  const users: User[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < userCount; i++) {
    const [department, , agentId] = rng.weighted(DEPARTMENTS.map((d) => [d, d[1]] as const));
    let id = `${rng.pick(FIRST)}.${rng.pick(LAST)}@example.com`;
    if (taken.has(id)) id = id.replace('@', `${i}@`);
    taken.add(id);
    const office = rng.weighted(OFFICES.map((o, k) => [o, k === 2 ? 2 : 1.5] as const));
    const favourites = [...MODELS].sort(() => rng.next() - 0.5).slice(0, rng.int(1, 3));
    const endpoints = [ENDPOINTS[0]!, ...[...ENDPOINTS.slice(1, 4)].sort(() => rng.next() - 0.5).slice(0, rng.int(0, 2))];
    const agent = agentId ? AGENTS.find((a) => a.id === agentId) : undefined;
    if (agent) endpoints.push(ENDPOINTS[4]!);
    users.push({
      id,
      department,
      office,
      ip: `${office.subnet}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
      isAdmin: department === 'engineering' && rng.chance(0.1),
      models: favourites.map((m, k) => [m, k === 0 ? 4 : 1]),
      endpoints,
      ...(agent ? { agent } : {}),
      activity: rng.around(1, 0.5, 0.3, 3),
    });
  }
  return { users, peakActivity: users.reduce((s, u) => s + u.activity, 0) };
}

/** How active a user is at `t` (0 outside working hours; lighter on Mondays' first hour, lunch and weekends). */
export function activityAt(user: User, t: number): number {
  const date = new Date(t);
  const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
  const [start, end] = user.office.hours;
  if (hour < start || hour >= end) return 0;
  const day = date.getUTCDay();
  const weekday = day === 0 || day === 6 ? 0.08 : day === 1 ? 1.2 : 1;
  const lunch = hour >= start + 4 && hour < start + 5 ? 0.5 : 1;
  return user.activity * weekday * lunch;
}
