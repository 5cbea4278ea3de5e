/**
 * The part of a `type: ueba` rule file that is UEBA's own: which anomaly it scores, for which entity kinds,
 * and threshold overrides (anomaly.ts has the defaults and their meaning). The detection rule schema embeds it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { UEBA_ANOMALIES } from './anomaly.js';
import { ENTITY_KINDS } from './entities.js';

const positive = (description: string) => Type.Optional(Type.Number({ minimum: 0, description }));

export const UebaAnomalySchema = Type.Union(
  UEBA_ANOMALIES.map((a) => Type.Literal(a)),
  { description: 'the anomaly the rule scores (docs/ueba.md)' },
);

export const UebaEntityKindsSchema = Type.Array(Type.Union(ENTITY_KINDS.map((k) => Type.Literal(k))), {
  minItems: 1,
  uniqueItems: true,
  description: 'entity kinds scored: user (user_id), agent (agent_id), model, endpoint',
});

export const UebaParamsSchema = Type.Object(
  {
    min_score: positive('drop candidates scoring below this (0–100)'),
    min_ratio: positive('observed must be at least this multiple of expected'),
    min_excess: positive('volume: observed − expected must reach this'),
    min_history_days: positive('days of history an entity needs'),
    min_active_hours: positive('active hours a baseline needs'),
    min_requests: positive('requests needed in the scored hour'),
    min_baseline_requests: positive('token shift: requests behind the baseline distribution'),
    min_history_events: positive('first-seen: events of history needed before the window'),
    lookback_days: positive('first-seen: days that count as "seen before"'),
    max_hour_share: positive('off-profile hours: largest share of active hours that is still off-profile'),
    min_peers: positive('peer outlier: active peers needed'),
  },
  { additionalProperties: false, default: {} },
);
export type UebaParamsOverride = Static<typeof UebaParamsSchema>;
