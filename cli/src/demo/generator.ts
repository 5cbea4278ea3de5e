/**
 * The demo traffic generator: background traffic of a seeded organisation plus recurring attack campaigns.
 * Pure: the same options and time range always give the same events, so a replay is recognised as duplicates.
 */
import { backgroundEvents, type DemoEvent } from './background.js';
import { CAMPAIGNS, campaignEvents, campaignEventsEndingAt, type Campaign } from './campaigns.js';
import { buildWorld, type World } from './world.js';
import { DAY_MS as DAY, HOUR_MS, MINUTE_MS } from '../time.js';

export interface DemoOptions {
  seed: number;
  /** background events per second at the busiest hour */
  rate: number;
  users: number;
}

/** campaigns that need baselines wait this long after the start of the data */
export const HISTORY_NEEDED = 7 * DAY;

export class DemoGenerator {
  readonly world: World;

  constructor(readonly options: DemoOptions) {
    this.world = buildWorld(options.seed, options.users);
  }

  background(from: number, to: number): DemoEvent[] {
    return backgroundEvents(this.world, this.options, from, to);
  }

  campaign(campaign: Campaign, occurrence: number, at: number): DemoEvent[] {
    return campaignEvents(campaign, this.world, this.options.seed, occurrence, at);
  }

  /** Live mode: an occurrence whose last event happens now. */
  campaignNow(campaign: Campaign, occurrence: number, now: number): DemoEvent[] {
    return campaignEventsEndingAt(campaign, this.world, this.options.seed, occurrence, now);
  }

  /**
   * Daily schedule for a range: every campaign once a UTC day, each at its own time between 09:00 and 18:00 UTC
   * (within everyone's business hours); campaigns that need history only once `dataStart + 7 days` has passed.
   */
  dailyCampaigns(from: number, to: number, dataStart = from): Array<{ campaign: Campaign; at: number; events: DemoEvent[] }> {
    const out: Array<{ campaign: Campaign; at: number; events: DemoEvent[] }> = [];
    for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) {
      CAMPAIGNS.forEach((campaign, k) => {
        const at = day + 9 * HOUR_MS + k * 35 * MINUTE_MS;
        if (at < from || at >= to) return;
        if (campaign.needsHistory && at < dataStart + HISTORY_NEEDED) return;
        out.push({ campaign, at, events: this.campaign(campaign, Math.floor(day / DAY), at) });
      });
    }
    return out;
  }

  /** Background and daily campaigns of [from, to), in time order. */
  range(from: number, to: number, dataStart = from): DemoEvent[] {
    const events = [...this.background(from, to), ...this.dailyCampaigns(from, to, dataStart).flatMap((c) => c.events)];
    return events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  }
}

export { CAMPAIGNS };
