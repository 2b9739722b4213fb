import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { callAdmin } from '../helpers/admin-client.js';
import { consolePage, launchBrowser, saveScreenshot, signInThroughConsole } from '../helpers/browser.js';
import { startTempPlatform, type TempPlatform, testAdminToken } from '../helpers/temp-platform.js';

let platform: TempPlatform;
let orgAdminKey: string;

before(async () => {
  platform = await startTempPlatform();
  await callAdmin(platform.url, 'POST', '/admin/v1/orgs', {
    body: { id: 'shell-org', name: 'Shell Org', homeJurisdiction: 'DE' },
  });
  const key = await callAdmin(platform.url, 'POST', '/admin/v1/orgs/shell-org/keys', { body: { role: 'org_admin' } });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  orgAdminKey = key.body.secret;
});

after(async () => {
  await platform.dispose();
});

test('the console is served under /console/ with a strict content security policy', async () => {
  const page = await request(`${platform.url}/console/usage?organization=x`);
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  const csp = String(page.headers['content-security-policy']);
  for (const directive of ["script-src 'self'", "frame-ancestors 'none'", "default-src 'self'", "object-src 'none'"]) {
    assert.ok(csp.includes(directive), `${directive} in ${csp}`);
  }
  assert.equal(page.headers['cache-control'], 'no-cache');
  const html = await page.body.text();
  // Every script is a file of the console's own: none inline, none from elsewhere.
  const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((match) => match[1] ?? '');
  assert.ok(scripts.length > 0);
  for (const attributes of scripts) assert.match(attributes, /\bsrc="\/console\/assets\/[^"]+\.js"/);
  const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1]!;
  const script = await request(platform.url + asset);
  assert.equal(script.statusCode, 200);
  assert.match(String(script.headers['content-type']), /javascript/);
  assert.match(String(script.headers['cache-control']), /immutable/);
  await script.body.dump();
});

test('a missing asset is a 404 in the OpenAI shape, and / leads to the console', async () => {
  const missing = await callAdmin(platform.url, 'GET', '/console/assets/nothing.js');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
  const root = await request(`${platform.url}/`);
  assert.equal(root.statusCode, 302);
  assert.equal(root.headers.location, '/console/');
  await root.body.dump();
});

test('GET /admin/v1/session names the caller', async () => {
  assert.deepEqual((await callAdmin(platform.url, 'GET', '/admin/v1/session')).body, { kind: 'operator' });
  const orgAdmin = await callAdmin(platform.url, 'GET', '/admin/v1/session', { token: orgAdminKey });
  assert.equal(orgAdmin.body.kind, 'org_admin');
  assert.equal(orgAdmin.body.organizationId, 'shell-org');
  assert.equal((await callAdmin(platform.url, 'GET', '/admin/v1/session', { token: 'nope' })).status, 401);
});

test('sign-in in a real browser: gate, wrong token, operator, org admin, sign-out', async (t) => {
  const chromium = await launchBrowser(t);
  if (chromium === undefined) return;
  const problems: string[] = [];
  try {
    const page = await consolePage(chromium.browser, problems);
    await page.goto(`${platform.url}/console/usage`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.match(page.url(), /\/console\/sign-in\?next=%2Fusage$/);
    await saveScreenshot(page, 'sign-in');

    await page.getByLabel('Admin token or organization admin key').fill('cw_wrong_token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'invalid, revoked or expired token' }).waitFor();

    await page.getByLabel('Admin token or organization admin key').fill(testAdminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as operator.').waitFor();
    // Back where the gate stopped it; the token is in no URL.
    assert.match(page.url(), /\/console\/usage$/);
    assert.ok(!page.url().includes(testAdminToken));
    await page.reload();
    await page.getByText('Signed in as operator.').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 0);

    await signInThroughConsole(page, platform.url, orgAdminKey);
    await page.getByText('Signed in as organization admin of shell-org.').waitFor();

    // Keyboard first: on a page just opened, the first Tab reaches the skip link, which leads to the content.
    await page.goto(`${platform.url}/console/tenants`);
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
    assert.deepEqual(problems, []);
  } finally {
    await chromium.close();
  }
});
