/** Every index and data stream the service reads or writes, from one configurable prefix. */
export interface IndexNames {
  /** data stream of ai_security events (append-only) */
  events: string;
  /** alerts: one document per rule episode, updated in place as the episode grows */
  alerts: string;
  /** UEBA baselines: one document per entity */
  baselines: string;
  /** daily judge-assurance and guardrail-effectiveness series */
  metrics: string;
  /** checkpoints and leases of the detection engine */
  state: string;
  /** forensic export manifests */
  exports: string;
  /** ingest pipeline that stamps event.ingested, where the cluster supports it */
  eventsPipeline: string;
  /** hourly event counts the event-count query kinds read for whole hours (rollups/hourly-rollup.ts) */
  eventsHourly: string;
  /** daily per-user event counts: event_volume by user and risk_matrix's users read them for whole days */
  eventsDailyUsers: string;
  /** hourly per-user event counts: the hourly histograms of event_volume's top users */
  eventsHourlyUsers: string;
}

export function indexNames(prefix: string): IndexNames {
  return {
    events: `${prefix}-events`,
    alerts: `${prefix}-alerts`,
    baselines: `${prefix}-baselines`,
    metrics: `${prefix}-metrics`,
    state: `${prefix}-state`,
    exports: `${prefix}-exports`,
    eventsPipeline: `${prefix}-events-ingested`,
    eventsHourly: `${prefix}-events-hourly`,
    eventsDailyUsers: `${prefix}-events-daily-users`,
    eventsHourlyUsers: `${prefix}-events-hourly-users`,
  };
}
