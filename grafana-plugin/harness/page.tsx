/**
 * Start-up shared by the two harness pages (main.tsx, dashboard.tsx): the URL's parameters and theme, the plugin's
 * DataSource behind the harness server (which plays Grafana's data proxy and adds the API key), rendering into
 * #root, and the report the driving test waits for on `window`.
 */
import React from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme, type GrafanaTheme2 } from '@grafana/data';
import { ThemeContext } from '@grafana/ui';
import type { DataSource } from '../src/datasource/datasource';
import { PROXY_ROUTE } from '../src/datasource/types';
import type { Transport } from '../src/testing/grafanaProxy';
import type { HarnessProgress } from '../src/testing/harnessReport';
import { PROXY_BASE, proxiedDataSource } from '../src/testing/proxiedDataSource';

export const params = new URLSearchParams(location.search);

/** `?theme=light` or `?theme=dark`, else the page's own default. */
export function themeFromUrl(fallback: 'light' | 'dark'): GrafanaTheme2 {
  const asked = params.get('theme');
  return createTheme({ colors: { mode: asked === 'light' || asked === 'dark' ? asked : fallback } });
}

const browserTransport: Transport = async (method, url, headers, body) => {
  const response = await fetch(url, { method, headers, body });
  return { status: response.status, statusText: response.statusText, body: await response.text() };
};

/** The datasource as Grafana configures it in the compose stack; the harness server forwards its proxy route. */
export function harnessDataSource(): DataSource {
  return proxiedDataSource({ serviceUrl: `${location.origin}${PROXY_BASE}/${PROXY_ROUTE}`, jsonDataUrl: 'http://analytics-service:8080', transport: browserTransport });
}

/** Renders the page on the theme's canvas. */
export function renderPage(theme: GrafanaTheme2, page: React.ReactNode): void {
  document.body.style.margin = '0';
  document.body.style.background = theme.colors.background.canvas;
  createRoot(document.getElementById('root')!).render(<ThemeContext.Provider value={theme}>{page}</ThemeContext.Provider>);
}

const nextFrames = () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));

/** Resolves once React has committed the page, the fonts its text asked for are loaded, and the frames after (uPlot draws on those) are drawn. */
export async function pageSettled(): Promise<void> {
  await nextFrames();
  await document.fonts.ready;
  await nextFrames();
}

/** Publishes `report` as `window[name]` and runs the page; the report is done when `run` settles, with its error if it failed. */
export function runHarness(name: string, report: HarnessProgress, run: () => Promise<void>): void {
  (window as unknown as Record<string, HarnessProgress>)[name] = report;
  run().then(
    () => {
      report.done = true;
    },
    (error: Error) => {
      report.error = error.stack ?? error.message;
      report.done = true;
    },
  );
}
