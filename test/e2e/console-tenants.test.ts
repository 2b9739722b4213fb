import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { callAdmin } from '../helpers/admin-client.js';
import {
  consolePage,
  launchBrowser,
  saveScreenshot,
  signInThroughConsole,
  type TestBrowser,
} from '../helpers/browser.js';
import { llamaSkip } from '../helpers/require-llama.js';
import { runCli } from '../helpers/spawn-cli.js';
import { startTempPlatform, type TempPlatform, testAdminToken } from '../helpers/temp-platform.js';

/*
 * The operator builds a tenant in the console, the tenant's key gets an answer from the
 * embedded engine, the tenant applies to the fund in the console and the operator approves
 * it there; an organization admin sees nothing of another organization, whatever the URL.
 */
describe('the console manages tenants and the fund', { skip: llamaSkip() }, () => {
  let platform: TempPlatform;
  let demoModel: string;
  let chromium: TestBrowser | undefined;
  const problems: string[] = [];

  before(async () => {
    platform = await startTempPlatform();
    const init = await runCli(['init', '--demo', '--org-id', 'demo-org', '--json'], {
      COMMONWEAL_SERVER: platform.url,
      COMMONWEAL_ADMIN_TOKEN: testAdminToken,
    });
    assert.equal(init.code, 0, init.stderr);
    demoModel = (JSON.parse(init.stdout) as { demo: { modelId: string } }).demo.modelId;
    const program = await callAdmin(platform.url, 'POST', '/admin/v1/programs', {
      body: { id: 'startups', name: 'Startup Fund', defaultGrantMicro: 5_000_000, grantDurationDays: 90 },
    });
    assert.equal(program.status, 201, JSON.stringify(program.body));
    await callAdmin(platform.url, 'POST', '/admin/v1/programs/startups/fund', {
      body: { amountMicro: 100_000_000, id: 'fund-1' },
    });
  });

  after(async () => {
    await chromium?.close();
    await platform.dispose();
  });

  async function field(page: Page, label: string, value: string): Promise<void> {
    await page.getByLabel(label, { exact: true }).fill(value);
  }

  it('operator: creates an organization, a project and a key; the key gets an answer', async (t) => {
    chromium = await launchBrowser(t);
    if (chromium === undefined) return;
    const page = await consolePage(chromium.browser, problems);
    await signInThroughConsole(page, platform.url, testAdminToken);
    await page.getByRole('link', { name: 'Tenants' }).click();
    await field(page, 'Name', 'Console Org');
    await field(page, 'Id (optional: generated when empty)', 'console-org');
    await field(page, 'Home jurisdiction (ISO 3166 code, e.g. DE)', 'DE');
    await page.getByRole('button', { name: 'Add organization' }).click();
    await page.waitForURL(/org=console-org/);
    await page.getByRole('cell', { name: 'Console Org' }).waitFor();

    await field(page, 'Project name', 'Web');
    await field(page, 'Project id (optional)', 'web');
    await page.getByRole('button', { name: 'Add project' }).click();
    await page.getByRole('cell', { name: 'web', exact: true }).waitFor();

    await page.getByLabel('Role').selectOption('project');
    await field(page, 'Key name (optional)', 'console key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByLabel('New API key secret').inputValue();
    assert.match(secret, /^cw_/);
    await saveScreenshot(page, 'tenants');

    // Credits through the console, then a real answer from the embedded engine with the new key.
    await page.getByRole('link', { name: 'Credits and fund' }).click();
    await page.getByRole('heading', { name: 'Credits and fund', level: 1 }).waitFor();
    await page.getByLabel('Organization', { exact: true }).selectOption('console-org');
    await field(page, 'Credits to add', '10');
    await page.getByRole('button', { name: 'Add credits' }).click();
    await page.getByTestId('balance').filter({ hasText: /^10$/ }).waitFor();
    const client = new OpenAI({ apiKey: secret, baseURL: `${platform.url}/v1`, maxRetries: 0, timeout: 60_000 });
    const answer = await client.chat.completions.create({
      model: demoModel,
      messages: [{ role: 'user', content: 'Hello from the console test' }],
      max_tokens: 4,
    });
    assert.ok(answer.choices[0]!.message.content!.length > 0);

    // Revoking in the console: the key stops working at once.
    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('button', { name: 'Revoke key console key' }).click();
    await page.getByRole('cell', { name: /^revoked/ }).waitFor();
    await assert.rejects(
      client.chat.completions.create({ model: demoModel, messages: [{ role: 'user', content: 'again' }] }),
      (error: { status?: number }) => error.status === 401,
    );
    assert.deepEqual(problems, []);
  });

  it('operator: the request shows in the overview, the usage list and on the map', async (t) => {
    if (chromium === undefined) return t.skip('no browser');
    const page = await consolePage(chromium.browser, problems);
    await signInThroughConsole(page, platform.url, testAdminToken);
    // Charts read rollups, which follow the records within seconds: reload until the request is in.
    await page.goto(`${platform.url}/console/?org=console-org`);
    const requests = page.getByTestId('stat-Requests');
    for (let tries = 0; (await requests.textContent()) === '0' && tries < 20; tries++) {
      await page.waitForTimeout(500);
      await page.reload();
      await requests.waitFor();
    }
    assert.notEqual(await requests.textContent(), '0');
    await page.getByRole('table', { name: 'Top models' }).getByRole('cell', { name: demoModel }).waitFor();
    await saveScreenshot(page, 'overview');

    await page.goto(`${platform.url}/console/usage?organizationId=console-org&groupBy=model`);
    await page.getByRole('table', { name: 'By model' }).getByRole('cell', { name: demoModel }).waitFor();
    const row = page.getByRole('button', { name: /^Request req_/ });
    await row.first().click();
    await page.getByRole('link', { name: "Verify this request's receipt" }).waitFor();
    await saveScreenshot(page, 'usage');

    await page.goto(`${platform.url}/console/map?org=console-org`);
    await page.getByTestId('served-demo').filter({ hasText: /^1$/ }).waitFor();
    const sites = (await callAdmin(platform.url, 'GET', '/admin/v1/sites')).body.data as { id: string }[];
    for (const site of sites)
      assert.equal(await page.locator(`svg circle[data-site="${site.id}"]`).count(), 1, site.id);
    assert.equal(await page.locator('svg path[data-flow-site="demo"]').count(), 1);
    assert.equal(await page.locator('svg path[data-country="DE"].allowed').count(), 1);
    await saveScreenshot(page, 'map');
    assert.deepEqual(problems, []);
  });

  it('org admin applies to the fund, the operator approves, the grant shows in the balance', async (t) => {
    if (chromium === undefined) return t.skip('no browser');
    const key = await callAdmin(platform.url, 'POST', '/admin/v1/orgs/console-org/keys', {
      body: { role: 'org_admin' },
    });
    const orgAdmin = await consolePage(chromium.browser, problems);
    await signInThroughConsole(orgAdmin, platform.url, key.body.secret);
    await orgAdmin.getByRole('link', { name: 'Credits and fund' }).click();
    await orgAdmin.getByTestId('balance').filter({ hasText: /^10$/ }).waitFor();
    await orgAdmin.getByLabel('Program', { exact: true }).selectOption('startups');
    await orgAdmin.getByLabel('What the credits are for').fill('Speech models for public services');
    await orgAdmin.getByRole('button', { name: 'Apply' }).click();
    await orgAdmin.getByRole('cell', { name: 'pending' }).waitFor();

    const operator = await consolePage(chromium.browser, problems);
    await signInThroughConsole(operator, platform.url, testAdminToken);
    await operator.goto(`${platform.url}/console/credits?org=console-org`);
    const decision = operator.getByRole('form', { name: 'Approve the application of console-org' });
    await decision.getByLabel('Grant in credits').fill('7.5');
    await decision.getByRole('button', { name: 'Approve' }).click();
    await operator.getByText('No application is waiting.').waitFor();
    await operator.getByText(/7\.5 granted, not yet used/).waitFor();
    await saveScreenshot(operator, 'credits-and-fund');

    await orgAdmin.reload();
    await orgAdmin.getByRole('cell', { name: 'approved' }).waitFor();
    await orgAdmin
      .getByTestId('balance')
      .filter({ hasText: /^17\.5$/ })
      .waitFor();
    assert.deepEqual(problems, []);
  });

  it("org admin: no page shows another organization's data, whatever the URL says", async (t) => {
    if (chromium === undefined) return t.skip('no browser');
    const key = await callAdmin(platform.url, 'POST', '/admin/v1/orgs/console-org/keys', {
      body: { role: 'org_admin' },
    });
    const page = await consolePage(chromium.browser, problems);
    await signInThroughConsole(page, platform.url, key.body.secret);
    for (const path of ['/console/tenants?org=demo-org', '/console/credits?org=demo-org', '/console/transparency']) {
      await page.goto(platform.url + path);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      const text = (await page.locator('main').textContent()) ?? '';
      assert.ok(!text.includes('demo-org'), `${path} shows demo-org: ${text}`);
    }
    await page.goto(`${platform.url}/console/tenants?org=demo-org`);
    await page.getByText('Organization: console-org').waitFor();
    assert.deepEqual(problems, []);
  });
});
