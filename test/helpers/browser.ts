import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { requireService } from './require-service.js';

/** Debian's Chromium; a test never downloads a browser of its own. */
export const chromiumPath = '/usr/bin/chromium';

/** Where tests leave screenshots of the console for people to look at; git ignores it. */
export const screenshotDir = join(process.cwd(), 'test-artifacts', 'console');

const chromiumService = {
  name: 'Chromium',
  address: chromiumPath,
  async probe() {
    if (!existsSync(chromiumPath)) throw new Error('not installed (apt-get install chromium)');
  },
};

/**
 * Headless, on Debian's Chromium, with the flags that keep it from reaching for the network
 * at start. Playwright starts it on a new, empty profile of its own each time.
 */
export const chromiumLaunchOptions = {
  executablePath: chromiumPath,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

export interface TestBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * Chromium for a test. Resolves undefined when the test was skipped for want of Chromium
 * (a failure under COMMONWEAL_REQUIRE_SERVICES=1).
 */
export async function launchBrowser(t: TestContext): Promise<TestBrowser | undefined> {
  if (!(await requireService(t, chromiumService))) return undefined;
  const browser = await chromium.launch(chromiumLaunchOptions);
  return {
    browser,
    close: () => browser.close(),
  };
}

/**
 * A new page that collects every script error and CSP violation in `problems`. A refused
 * API call is not one: Chromium logs each 4xx answer, and tests provoke them on purpose.
 */
export async function consolePage(browser: Browser, problems: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !text.startsWith('Failed to load resource')) problems.push(`console: ${text}`);
  });
  return page;
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Signs in on the console's sign-in page with `token`, as a person would. */
export async function signInThroughConsole(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console/sign-in`);
  await page.getByLabel('Admin token or organization admin key').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
