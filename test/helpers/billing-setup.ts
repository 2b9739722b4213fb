import assert from 'node:assert/strict';
import { callAdmin } from './admin-client.js';

/** Micro-credits per token of the gateway fixture's `fake-model`: 1 per prompt token, 2 per completion token. */
export const fakeModelPrices = { inputPriceMicroPerMtok: 1_000_000, outputPriceMicroPerMtok: 2_000_000 } as const;
/** What one answer of the fake upstream costs at those prices: 5 prompt and 4 completion tokens. */
export const fakeAnswerCostMicro = 5 * 1 + 4 * 2;

/** Calls the admin API as the operator and insists on a 2xx answer. */
export async function operatorCall(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<any> {
  const answer = await callAdmin(baseUrl, method, `/admin/v1${path}`, body === undefined ? {} : { body });
  assert.ok(
    answer.status >= 200 && answer.status < 300,
    `${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`,
  );
  return answer.body;
}

/**
 * An organization with a project and a project key, funded with `creditsMicro` (no
 * credits account at all when it is undefined). Returns the key's secret and id.
 */
export async function billedOrganization(
  baseUrl: string,
  orgId: string,
  creditsMicro: number | undefined,
): Promise<{ secret: string; keyId: string }> {
  await operatorCall(baseUrl, 'POST', '/orgs', { id: orgId, name: orgId, homeJurisdiction: 'DE' });
  await operatorCall(baseUrl, 'POST', `/orgs/${orgId}/projects`, { id: 'main', name: 'Main' });
  const key = await operatorCall(baseUrl, 'POST', `/orgs/${orgId}/keys`, { role: 'project', projectId: 'main' });
  if (creditsMicro !== undefined)
    await operatorCall(baseUrl, 'POST', `/orgs/${orgId}/credits`, { amountMicro: creditsMicro, id: `seed-${orgId}` });
  return { secret: key.secret, keyId: key.id };
}

/** The organization's balance and available credits, as the admin API reports them. */
export async function balanceOf(
  baseUrl: string,
  orgId: string,
): Promise<{ balanceMicro: number; availableMicro: number }> {
  const body = await operatorCall(baseUrl, 'GET', `/orgs/${orgId}/balance`);
  return { balanceMicro: body.balanceMicro, availableMicro: body.availableMicro };
}

/**
 * The balance once it shows what the test expects, or the last one read. A record is
 * readable from its COMMIT on, while the balances in memory follow once the commit is
 * durable: a test that found the record may read the balance a sync too early.
 */
export async function settledBalanceOf(
  baseUrl: string,
  orgId: string,
  expected: { balanceMicro: number; availableMicro: number },
): Promise<{ balanceMicro: number; availableMicro: number }> {
  let balance = await balanceOf(baseUrl, orgId);
  for (let attempt = 0; attempt < 100 && JSON.stringify(balance) !== JSON.stringify(expected); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    balance = await balanceOf(baseUrl, orgId);
  }
  return balance;
}

export async function assertLedgerVerifies(baseUrl: string): Promise<void> {
  const verification = await operatorCall(baseUrl, 'GET', '/ledger/verify');
  assert.deepEqual(verification.problems, [], 'ledger verify');
  assert.equal(verification.ok, true);
}
