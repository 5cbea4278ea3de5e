/**
 * The project's one traffic generator: one seeded PRNG (`random.ts`) and one event vocabulary (`events.ts`,
 * `world.ts`), with a profile for each caller:
 *
 * - `DemoGenerator` — the demo: a seeded organisation's background traffic plus daily attack campaigns (`aisec demo`);
 * - `benignDay` / `attacks` — the detection tests and benchmarks: a benign day that raises no alert, and attacks
 *   that each trip a known rule;
 * - `userTraffic` / `burst` / `judgeTraffic` — the UEBA tests: users with a weekly rhythm and judges with score
 *   distributions, plus injected anomalies;
 * - `BulkDataset` — the query benchmark: 30 days of gateway traffic at any size, with the alerts and baselines
 *   the service would have written.
 *
 * Every profile is pure: the same options always give the same events and event ids.
 */
export { Rng, mix, normal, poisson, seededRandom } from './random.js';
export { AGENT_ALLOWLISTS, byTimestamp, costUsd, type TrafficEvent } from './events.js';
export { CAMPAIGNS, DemoGenerator, HISTORY_NEEDED, type DemoOptions } from './generator.js';
export { benignDay, userProfiles, type BenignDayOptions, type UserProfile } from './benign-day.js';
export { ATTACK_KINDS, attacks, type Attack, type AttackKind } from './attacks.js';
export { BASE_USER, burst, judgeTraffic, mondayOnOrBefore, rateAt, requestEvent, userTraffic, type RequestOverrides, type UserRhythm } from './rhythms.js';
export { BULK_END, BULK_ENDPOINTS, BULK_MODELS, BULK_START, BulkDataset, type BulkUser } from './bulk-dataset.js';
