import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { callAdmin } from '../helpers/admin-client.js';
import {
  consolePage,
  launchBrowser,
  saveScreenshot,
  signInThroughConsole,
  type TestBrowser,
} from '../helpers/browser.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';
import { testAdminToken } from '../helpers/temp-platform.js';

/*
 * The public transparency page verifies a real receipt with the browser's own WebCrypto,
 * step by step, and names the step that a changed byte breaks.
 */

let fixture: GatewayFixture;
let receiptId: string;

before(async () => {
  fixture = await startGatewayFixture();
  const { response } = await fixture.client.chat.completions
    .create({ model: 'fake-model', messages: [{ role: 'user', content: 'a receipt to check' }] })
    .withResponse();
  receiptId = response.headers.get('x-commonweal-receipt')!;
  // Two more leaves after it, so that the consistency step has a tree that grew to check.
  await callAdmin(fixture.platform.url, 'POST', '/admin/v1/orgs', {
    body: { id: 'other-org', name: 'Other', homeJurisdiction: 'FR' },
  });
  await fixture.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'later' }] });
});

after(async () => {
  await fixture.dispose();
});

test('GET /admin/v1/receipts/{id}: the operator and the own organization admin read it, others do not', async () => {
  const operator = await callAdmin(fixture.platform.url, 'GET', `/admin/v1/receipts/${receiptId}`);
  assert.equal(operator.status, 200, JSON.stringify(operator.body));
  assert.equal(operator.body.object, 'receipt_bundle');
  assert.equal(operator.body.receipt.id, receiptId);
  assert.ok(operator.body.inclusionProof.length > 0);
  const ownKey = await callAdmin(fixture.platform.url, 'POST', '/admin/v1/orgs/acme/keys', {
    body: { role: 'org_admin' },
  });
  const own = await callAdmin(fixture.platform.url, 'GET', `/admin/v1/receipts/${receiptId}`, {
    token: ownKey.body.secret,
  });
  assert.deepEqual(own.body, operator.body);
  const otherKey = await callAdmin(fixture.platform.url, 'POST', '/admin/v1/orgs/other-org/keys', {
    body: { role: 'org_admin' },
  });
  const other = await callAdmin(fixture.platform.url, 'GET', `/admin/v1/receipts/${receiptId}`, {
    token: otherKey.body.secret,
  });
  const missing = await callAdmin(fixture.platform.url, 'GET', '/admin/v1/receipts/req_missing', {
    token: otherKey.body.secret,
  });
  assert.equal(other.status, 404);
  assert.equal(other.body.error.message, `receipt "${receiptId}" not found`);
  assert.equal(missing.status, 404);
});

async function stepStatuses(page: Page): Promise<string[]> {
  return page.locator('ol.steps > li').evaluateAll((items) => items.map((item) => item.getAttribute('data-status')!));
}

async function verifyPasted(page: Page, bundle: string): Promise<void> {
  await page.getByLabel('Receipt bundle (JSON', { exact: false }).fill(bundle);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
}

test('the public page verifies a receipt in the browser and names the step a changed byte breaks', async (t) => {
  const chromium: TestBrowser | undefined = await launchBrowser(t);
  if (chromium === undefined) return;
  const problems: string[] = [];
  try {
    const page = await consolePage(chromium.browser, problems);
    await page.goto(`${fixture.platform.url}/console/transparency`);
    await page.getByRole('heading', { name: 'Transparency' }).waitFor();
    const logKey = await callAdmin(fixture.platform.url, 'GET', '/.well-known/commonweal/log-key', { token: null });
    await page.getByText(logKey.body.verifierKey).waitFor();
    await page.getByRole('table').first().waitFor();

    await page.getByLabel('Receipt id').fill(receiptId);
    await page.getByLabel('API key of the receipt’s organization').fill(fixture.apiKey);
    await page.getByRole('button', { name: 'Fetch and verify' }).click();
    await page.getByText('The receipt is in the log: every check passed.').waitFor();
    assert.deepEqual(await stepStatuses(page), Array(7).fill('passed'));
    await saveScreenshot(page, 'transparency');
    const bundle = await page.getByLabel('Receipt bundle (JSON', { exact: false }).inputValue();
    assert.equal(JSON.parse(bundle).receipt.id, receiptId);

    // One byte of the receipt: the leaf hash changes, so the path no longer reaches the signed root.
    const changedReceipt = bundle.replace('"promptTokens": 5', '"promptTokens": 4');
    assert.notEqual(changedReceipt, bundle);
    await verifyPasted(page, changedReceipt);
    await page.getByText('Failed at: Walk the Merkle path up to the root.').waitFor();
    assert.deepEqual(await stepStatuses(page), [...Array(5).fill('passed'), 'failed', 'not checked']);
    await saveScreenshot(page, 'transparency-tampered');

    // One byte of the signature: the checkpoint is no longer the log's.
    const signature = /— \S+ (\S+)\\n/.exec(bundle)![1]!;
    const flipped = signature.slice(0, 20) + (signature[20] === 'A' ? 'B' : 'A') + signature.slice(21);
    await verifyPasted(page, bundle.replace(signature, flipped));
    await page.getByText("Failed at: Check the checkpoint's Ed25519 signature.").waitFor();
    assert.deepEqual(await stepStatuses(page), ['passed', 'passed', 'failed', ...Array(4).fill('not checked')]);

    // Not JSON at all: the first step says so.
    await verifyPasted(page, bundle.slice(0, -3));
    await page.getByText('Failed at: Read the receipt bundle.').waitFor();

    // Signed in, a link with ?receipt= fetches it through the management API and checks it at once.
    await signInThroughConsole(page, fixture.platform.url, testAdminToken);
    await page.goto(`${fixture.platform.url}/console/transparency?receipt=${receiptId}`);
    await page.getByText('The receipt is in the log: every check passed.').waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await chromium.close();
  }
});
