/**
 * A deterministic 30-day SOC dataset for the query API, the Grafana datasource and the panel screenshots.
 *
 * Events go through the real ingest API. Alerts and baselines are written straight into `<prefix>-alerts` and
 * `<prefix>-baselines`: they are FIXTURES OF OTHER COMPONENTS' OUTPUT (the detection engine and the UEBA job),
 * shaped by `alertMapping` / `baselineMapping` in analytics-service/src/elasticsearch/mappings.ts.
 */
import type { AiSecurityEvent, Category, Severity } from '../../analytics-service/src/contract/event-schema.js';
import { postEvents, waitUntilReady, type TestService } from '../support/service.js';
import { seededRandom } from '../../cli/src/demo/random.js';
import { DAY_MS as DAY } from '../../cli/src/time.js';

/**
 * The fixtures stand in for the detection engine's and the UEBA job's output, so those components' background
 * work is switched off in services that serve them: the indices then hold exactly the fixtures.
 */
export const FIXTURE_SERVICE_ENV = { AISEC_DETECTION_STREAMING: 'false', AISEC_UEBA_REFRESH_INTERVAL: 'off' };

export const END = Date.parse('2026-02-11T00:00:00Z');
export { DAY_MS as DAY } from '../../cli/src/time.js';
export const START = END - 30 * DAY;
export const USERS = ['alice', 'bob', 'carol', 'dave', 'mallory'] as const;
export const ENDPOINTS = ['/api/v1/chat', '/api/v1/rag', '/api/v1/agent'] as const;
export const MODELS = ['gpt-4o', 'claude-sonnet-4-5'] as const;
/** The judge's scores jump on this day (index from START), so judge drift must flag it. */
export const DRIFT_DAY = 25;

export function makeEvents(): AiSecurityEvent[] {
  const random = seededRandom(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const events: AiSecurityEvent[] = [];
  let n = 0;
  const add = (t: number, category: Category, extra: Partial<AiSecurityEvent>) => {
    events.push({ timestamp: new Date(t).toISOString(), category, event_id: `fx-${n++}`, ...extra } as AiSecurityEvent);
  };
  for (let day = 0; day < 30; day++) {
    const dayStart = START + day * DAY;
    const weekday = new Date(dayStart).getUTCDay();
    const working = weekday >= 1 && weekday <= 5;
    for (const user of USERS) {
      // ordinary traffic: office hours on weekdays, a little at weekends
      const requests = working ? 6 + Math.floor(random() * 6) : Math.floor(random() * 3);
      for (let i = 0; i < requests; i++) {
        const hour = 8 + Math.floor(random() * 10);
        add(dayStart + hour * 3_600_000 + Math.floor(random() * 3_600_000), 'request', {
          user_id: user,
          endpoint: pick(ENDPOINTS),
          model: pick(MODELS),
          risk_tier: 1 + Math.floor(random() * 2),
          severity: 'info',
          tokens_in: 200 + Math.floor(random() * 800),
          tokens_out: 300 + Math.floor(random() * 1500),
          cost_usd: Math.round(random() * 200) / 10_000,
          src_country: 'DE',
        });
      }
    }
    // guardrail blocks and judge flags across users
    for (let i = 0; i < 4; i++) {
      add(dayStart + (9 + i * 2) * 3_600_000, 'guardrail_block', {
        user_id: pick(USERS),
        endpoint: pick(ENDPOINTS),
        model: pick(MODELS),
        risk_tier: 2,
        severity: 'low',
        guardrail_result: 'block',
        policy_violated: i % 2 === 0 ? 'pii' : 'credential_exposure',
      });
    }
    const drifted = day >= DRIFT_DAY;
    // twelve scores a day: judge drift judges days with at least min_events_per_day (10) scores
    for (let i = 0; i < 12; i++) {
      const score = drifted ? 0.93 + random() * 0.05 : 0.55 + random() * 0.1;
      add(dayStart + (10 + (i * 3) / 4) * 3_600_000, 'judge_flag', {
        user_id: pick(USERS),
        endpoint: '/api/v1/chat',
        model: 'gpt-4o',
        risk_tier: 3,
        severity: score > 0.9 ? 'high' : 'medium',
        judge_model: 'judge-gpt-4o',
        judge_score: Math.round(score * 1000) / 1000,
        guardrail_result: i === 0 ? 'pass' : 'block',
        policy_violated: 'financial_advice_without_disclaimer',
      });
    }
    // a steady second judge that never drifts
    for (let i = 0; i < 10; i++) {
      add(dayStart + 15 * 3_600_000 + i * 60_000, 'judge_flag', {
        user_id: 'carol',
        endpoint: '/api/v1/rag',
        judge_model: 'judge-claude',
        judge_score: 0.7,
        severity: 'medium',
        risk_tier: 2,
        guardrail_result: 'pass',
      });
    }
    // mallory probes with prompt injection at night on the last week
    if (day >= 23) {
      for (let i = 0; i < 5; i++) {
        add(dayStart + (1 + i) * 3_600_000, 'prompt_attack', {
          user_id: 'mallory',
          src_ip: '203.0.113.7',
          endpoint: '/api/v1/agent',
          model: 'gpt-4o',
          risk_tier: 4,
          severity: i === 4 ? 'critical' : 'high',
          src_country: 'RU',
        });
      }
    }
  }
  add(END - 2 * DAY + 3 * 3_600_000, 'agent_boundary_violation', { user_id: 'mallory', agent_id: 'agent-7', tool_name: 'send_email', risk_tier: 4, severity: 'critical', endpoint: '/api/v1/agent' });
  add(END - 3 * DAY, 'credential_detected', { user_id: 'bob', credential_type: 'aws_access_key', risk_tier: 3, severity: 'high', endpoint: '/api/v1/rag', direction: 'output' });
  add(END - 1 * DAY + 3_600_000, 'judge_flag', { user_id: 'dave', judge_model: 'judge-gpt-4o', judge_score: 1, severity: 'critical', risk_tier: 3, guardrail_result: 'pass' });
  return events;
}

export interface AlertFixture {
  '@timestamp': string;
  id: string;
  rule_id: string;
  rule_type: string;
  title: string;
  severity: Severity;
  severity_rank: number;
  window_start: string;
  window_end: string;
  user_id?: string;
  endpoint?: string;
  src_ip?: string;
  judge_model?: string;
  /** the rule's group-by fields, as the engine writes them */
  entity_fields?: string[];
  observed: number;
  threshold: number;
  event_count: number;
  event_ids: string[];
  tags: string[];
  response: string;
  status: string;
  /** most engine alerts carry none (their risk is their severity's default) */
  risk_score?: number;
  created_at: string;
  updated_at: string;
}

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function makeAlerts(): AlertFixture[] {
  const alert = (i: number, hoursBeforeEnd: number, rule_id: string, severity: Severity, extra: Partial<AlertFixture>): AlertFixture => {
    const end = END - hoursBeforeEnd * 3_600_000;
    const start = end - 15 * 60_000;
    return {
      '@timestamp': new Date(end).toISOString(),
      id: `alert-${i}`,
      rule_id,
      rule_type: 'threshold',
      title: rule_id.replace(/_/g, ' '),
      severity,
      severity_rank: RANK[severity],
      window_start: new Date(start).toISOString(),
      window_end: new Date(end).toISOString(),
      observed: 6,
      threshold: 3,
      event_count: 6,
      event_ids: [`fx-${i}`],
      tags: ['AML.T0051'],
      response: 'Block user after 10 attempts. Capture full payloads for threat intel.',
      status: 'open',
      risk_score: 40 + RANK[severity] * 10,
      created_at: new Date(end).toISOString(),
      updated_at: new Date(end).toISOString(),
      ...extra,
    };
  };
  return [
    alert(1, 24 * 6, 'prompt_injection_repeated', 'high', { user_id: 'mallory', src_ip: '203.0.113.7', endpoint: '/api/v1/agent' }),
    alert(2, 24 * 5, 'prompt_injection_repeated', 'high', { user_id: 'mallory', src_ip: '203.0.113.7', endpoint: '/api/v1/agent' }),
    alert(3, 24 * 4, 'prompt_injection_repeated', 'critical', { user_id: 'mallory', src_ip: '203.0.113.7', endpoint: '/api/v1/agent', observed: 11 }),
    alert(4, 46, 'agent_boundary_violation', 'high', { user_id: 'mallory', endpoint: '/api/v1/agent' }),
    alert(5, 45, 'boundary_then_tool', 'critical', { user_id: 'mallory', endpoint: '/api/v1/agent' }),
    alert(6, 72, 'credential_exposure', 'high', { user_id: 'bob', endpoint: '/api/v1/rag' }),
    alert(7, 23, 'guardrail_bypass', 'critical', { user_id: 'dave', endpoint: '/api/v1/chat' }),
    alert(8, 24 * 10, 'judge_flag_burst', 'high', { user_id: 'alice', endpoint: '/api/v1/chat', status: 'closed' }),
    alert(9, 24 * 4, 'judge_drift', 'medium', { judge_model: 'judge-gpt-4o', entity_fields: ['judge_model'], observed: 0.31, threshold: 0.15 }),
    alert(10, 24 * 12, 'off_hours_geo_shift', 'medium', { user_id: 'carol', risk_score: undefined }),
    alert(11, 24 * 40, 'prompt_injection_repeated', 'high', { user_id: 'bob' }),
  ];
}

/** Office hours, Monday to Friday 08:00–18:00: the seasonal expectation of an ordinary user (slot 0 = Monday 00:00). */
const officeHours = Array.from({ length: 168 }, (_, slot) => (slot < 120 && slot % 24 >= 8 && slot % 24 < 18 ? 1 : 0));

/** UEBA baseline documents (fixtures of the UEBA job's output, shaped by `baselineMapping`). */
export function makeBaselines() {
  const common = {
    '@timestamp': new Date(END - 3_600_000).toISOString(),
    entity_kind: 'user',
    time_zone: 'UTC',
    window_start: new Date(START).toISOString(),
    window_end: new Date(END).toISOString(),
    first_seen: new Date(START).toISOString(),
    last_seen: new Date(END - 3_600_000).toISOString(),
  };
  return [
    {
      ...common,
      entity_id: 'mallory',
      risk_score: 87,
      risk_level: 'high',
      event_count: 420,
      request_count: 300,
      countries: ['DE', 'RU'],
      tokens_out: { count: 300, mean: 1000, sd: 400, median: 900, mad: 300, p95: 1700, p99: 1790, min: 300, max: 1800 },
      profile: { hour_of_week: { median: officeHours, mean: officeHours }, distinct: { countries: 2, models: 2, endpoints: 3, tools: 1, users: 0 } },
    },
    {
      ...common,
      entity_id: 'alice',
      risk_score: 12,
      risk_level: 'low',
      event_count: 260,
      request_count: 250,
      profile: { hour_of_week: { median: officeHours, mean: officeHours } },
    },
  ];
}

export interface SeededData {
  events: AiSecurityEvent[];
  alerts: AlertFixture[];
}

export async function seedQueryFixtures(service: TestService): Promise<SeededData> {
  await waitUntilReady(service);
  const events = makeEvents();
  for (let i = 0; i < events.length; i += 1000) {
    const response = await postEvents(service, events.slice(i, i + 1000));
    if (response.statusCode !== 200 || response.json().rejected > 0) throw new Error(`fixture ingest failed: ${response.body.slice(0, 500)}`);
  }
  const alerts = makeAlerts();
  const operations: unknown[] = [];
  for (const a of alerts) operations.push({ index: { _index: `${service.prefix}-alerts`, _id: a.id } }, a);
  for (const b of makeBaselines()) operations.push({ index: { _index: `${service.prefix}-baselines`, _id: `${b.entity_kind}:${b.entity_id}` } }, b);
  const bulk = await service.es.bulk({ operations, refresh: true });
  if (bulk.errors) throw new Error(`fixture bulk failed: ${JSON.stringify(bulk.items.find((i) => i.index?.error))}`);
  await service.es.indices.refresh({ index: `${service.prefix}-*` });
  return { events, alerts };
}
