import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { APIError } from 'openai';
import { consolePage, launchBrowser, saveScreenshot, signInThroughConsole } from '../helpers/browser.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';
import { testAdminToken } from '../helpers/temp-platform.js';

/*
 * The operator's pages that change how requests are routed: a deployment disabled in the
 * console stops taking requests; a residency change is simulated, saved, and then refuses
 * a real request with the reason.
 */

let fixture: GatewayFixture;

before(async () => {
  fixture = await startGatewayFixture({ upstreamCount: 2 });
  await fixture.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'warm' }] });
});

after(async () => {
  await fixture.dispose();
});

test('sites and deployments: live state, and disabling a deployment in the console takes it out of routing', async (t) => {
  const chromium = await launchBrowser(t);
  if (chromium === undefined) return;
  const problems: string[] = [];
  try {
    const page = await consolePage(chromium.browser, problems);
    await signInThroughConsole(page, fixture.platform.url, testAdminToken);
    await page.getByRole('link', { name: 'Sites and deployments' }).click();
    await page.getByRole('heading', { name: 'Frankfurt fra-1' }).waitFor();
    await page.getByRole('heading', { name: 'Paris par-1' }).waitFor();
    await page.getByTestId('state-dep-0').filter({ hasText: 'healthy' }).waitFor();
    await page.getByTestId('state-dep-1').filter({ hasText: 'healthy' }).waitFor();
    await saveScreenshot(page, 'sites');

    await page.getByRole('button', { name: 'Disable deployment dep-1' }).click();
    await page.getByTestId('state-dep-1').filter({ hasText: 'disabled' }).waitFor();
    for (let i = 0; i < 6; i++) {
      const { response } = await fixture.client.chat.completions
        .create({ model: 'fake-model', messages: [{ role: 'user', content: `only Frankfurt ${i}` }] })
        .withResponse();
      assert.equal(response.headers.get('x-commonweal-site'), 'fra-1');
    }
    await page.getByRole('button', { name: 'Enable deployment dep-1' }).click();
    await page.getByTestId('state-dep-1').filter({ hasText: 'healthy' }).waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await chromium.close();
  }
});

test('policies: simulate a residency change, save it, and a request is refused with the reason', async (t) => {
  const chromium = await launchBrowser(t);
  if (chromium === undefined) return;
  const problems: string[] = [];
  try {
    const page = await consolePage(chromium.browser, problems);
    await signInThroughConsole(page, fixture.platform.url, testAdminToken);
    await page.goto(`${fixture.platform.url}/console/policies?org=acme`);
    await page.getByText(/Version \d+ \(/).waitFor();
    await page.getByLabel('Allow any jurisdiction', { exact: false }).uncheck();
    await page.getByLabel('Allowed jurisdictions', { exact: false }).fill('US');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await page.getByText(/1 would be refused/).waitFor();
    // Weighed against the last 7 days: every request served so far (rollups, a second behind) would have been refused.
    const traffic = await page.getByTestId('simulation-traffic').textContent();
    const [, refusedCount, servedCount] =
      /last 7 days, (\d+) of (\d+) requests would have been refused/.exec(traffic ?? '') ?? [];
    assert.ok(Number(servedCount) > 0 && refusedCount === servedCount, traffic ?? '');
    const refused = page.getByRole('table').filter({ has: page.getByText('Would be refused') });
    await refused.getByRole('cell', { name: 'fake-model' }).waitFor();
    await saveScreenshot(page, 'policies');
    // Simulating changed nothing: requests are still served.
    await fixture.client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'still' }],
    });

    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.getByText(/Saved: version \d+ is in force/).waitFor();
    await assert.rejects(
      fixture.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'now?' }] }),
      (error) => {
        assert.ok(error instanceof APIError);
        assert.equal(error.status, 403);
        assert.equal(error.code, 'policy_denied');
        assert.match(error.message, /US/);
        return true;
      },
    );
    await page.getByRole('button', { name: 'Explain' }).click();
    await page.getByText('refused', { exact: true }).waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await chromium.close();
  }
});
