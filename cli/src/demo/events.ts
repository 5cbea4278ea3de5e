/** What every traffic profile emits, and the few facts the profiles share. */
import { AGENTS } from './world.js';

/** An event in the contract's wire form (the ingest API's input). */
export type TrafficEvent = Record<string, unknown> & { timestamp: string; category: string; event_id: string };

/** Gateway list price used by the test and benchmark profiles: USD 3 per million tokens in, 15 out, rounded to 1e-6. */
export const costUsd = (tokensIn: number, tokensOut: number): number => Math.round((tokensIn * 0.000003 + tokensOut * 0.000015) * 1e6) / 1e6;

/** The detection config's agent tool allowlists, in the event contract's field names. */
export const AGENT_ALLOWLISTS: ReadonlyArray<{ agent_id: string; tools: string[] }> = AGENTS.map((a) => ({ agent_id: a.id, tools: a.tools }));

export const byTimestamp = (a: { timestamp: string }, b: { timestamp: string }): number => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0);
