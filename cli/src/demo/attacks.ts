/** Test profile "attacks": scenarios that each trip a known detection rule, with entity names unique to a tag. */
import type { TrafficEvent } from './events.js';

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
