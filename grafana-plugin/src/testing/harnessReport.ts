/**
 * What the harness pages leave on `window` for the Node test that drives them in Chromium: `__harness` (harness/main.tsx)
 * and `__dashboard` (harness/dashboard.tsx). Types only, no imports, so the tests outside the plugin can import them.
 */

/** Every report starts not done; `error` is the stack of what stopped the page. */
export interface HarnessProgress {
  done: boolean;
  error?: string;
}

/** harness/main.tsx: the frames of each named query, and what Save & test said. */
export interface PanelHarnessReport extends HarnessProgress {
  frames: Record<string, Array<{ name?: string; fields: string[]; length: number }>>;
  test?: { status: string; message: string };
}

export interface FrameSummary {
  name?: string;
  refId?: string;
  length: number;
  /** `numbers`: how many of the field's values are finite numbers */
  fields: Array<{ name: string; type: string; labels?: Record<string, string>; numbers: number }>;
}

export interface PanelReport {
  id: number;
  type: string;
  title: string;
  drawnBy: string;
  maxDataPoints?: number;
  intervalMs?: number;
  frames: FrameSummary[];
  /** what a stat or bar gauge shows, `title=text` */
  shown?: string[];
  problems: string[];
}

/** harness/dashboard.tsx: one provisioned dashboard run as Grafana would. */
export interface DashboardReport extends HarnessProgress {
  uid?: string;
  variables?: Record<string, string>;
  problems: string[];
  panels: PanelReport[];
  annotations: Array<{ name: string; frames: FrameSummary[]; problems: string[] }>;
}
