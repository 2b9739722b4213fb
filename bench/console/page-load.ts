import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '../../test/helpers/browser.js';

export interface ConsolePage {
  readonly name: string;
  readonly path: string;
  /** A selector that appears once the page shows its data: the page is usable from then on. */
  readonly readySelector: string;
}

export const consolePages: readonly ConsolePage[] = [
  { name: 'overview, 7 days', path: '/console/?range=7d', readySelector: '[data-testid="stat-Requests"]' },
  {
    name: 'usage by model, 7 days',
    path: '/console/usage?range=7d&groupBy=model',
    readySelector: 'table caption:text("By model")',
  },
  { name: 'sovereignty map, 7 days', path: '/console/map?range=7d', readySelector: 'svg.world circle' },
];

export interface PageTiming {
  readonly page: ConsolePage;
  readonly p50Ms: number;
  readonly maxMs: number;
}

/**
 * Time from navigation to a usable page in Chromium, signed in as the operator, each sample
 * in a new browser context: an empty cache, as a first visit; the console is served by the
 * platform under test, from the same origin as its API.
 */
export async function timeConsolePages(baseUrl: string, token: string, samples: number): Promise<PageTiming[]> {
  const browser = await chromium.launch(chromiumLaunchOptions);
  try {
    const timings: PageTiming[] = [];
    for (const page of consolePages) {
      const times: number[] = [];
      for (let i = 0; i < samples; i += 1) {
        const context = await browser.newContext();
        const session = JSON.stringify({ token, principal: { kind: 'operator' } });
        // Runs before the console's own script, outside the page's CSP: the session a sign-in would leave.
        await context.addInitScript(`sessionStorage.setItem('commonweal.session', ${JSON.stringify(session)})`);
        const tab = await context.newPage();
        const started = performance.now();
        await tab.goto(baseUrl + page.path);
        await tab.locator(page.readySelector).first().waitFor({ timeout: 60_000 });
        times.push(performance.now() - started);
        await context.close();
      }
      times.sort((a, b) => a - b);
      timings.push({ page, p50Ms: times[Math.floor(times.length / 2)]!, maxMs: times.at(-1)! });
    }
    return timings;
  } finally {
    await browser.close();
  }
}
