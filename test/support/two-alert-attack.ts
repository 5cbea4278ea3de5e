/**
 * The attack the fault tests send to see alerts and pages survive kills, restarts and takeovers: six prompt attacks
 * by one user within half a minute, which give exactly two high alerts, so two pages where high alerts page.
 */

/** The rules the attack trips: prompt attacks are policy violations too. */
export const TWO_ALERT_RULES = ['prompt_injection_repeated', 'repeated_policy_violations'];

/**
 * Six `prompt_attack` events by `user` from `srcIp`, 5 s apart from `start` (ms since the epoch), with event ids
 * `<user>-0` to `<user>-5`: a high `prompt_injection_repeated` and a high `repeated_policy_violations` alert.
 */
export function twoAlertAttack(user: string, start: number, srcIp: string) {
  return Array.from({ length: 6 }, (_, i) => ({
    timestamp: new Date(start + i * 5000).toISOString(),
    category: 'prompt_attack',
    user_id: user,
    src_ip: srcIp,
    event_id: `${user}-${i}`,
  }));
}
