/**
 * Realistic, deterministic ai_security traffic for the detection tests and benchmarks: a thin re-export of the
 * project's one traffic generator (`cli/src/demo/`), kept so that existing imports keep working.
 */
export { Rng as Random, seededRandom as createRng } from '../../cli/src/demo/random.js';
export type { TrafficEvent } from '../../cli/src/demo/events.js';
export { benignDay, userProfiles, type BenignDayOptions, type UserProfile } from '../../cli/src/demo/benign-day.js';
export { ATTACK_KINDS, attacks, type Attack, type AttackKind } from '../../cli/src/demo/attacks.js';
