import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import {
  assertLedgerVerifies,
  billedOrganization,
  fakeAnswerCostMicro,
  operatorCall,
} from '../helpers/billing-setup.js';
import { allUsageRecords, postRaw, type UsageRecordView, waitForUsageRecord } from '../helpers/gateway-calls.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';

/**
 * Every way a /v1 request can end, in one platform, against one rule (docs/ledger.md):
 * a request that gets a usage record gets exactly one settlement, `priced = charged +
 * written off`, with a charge transfer (of nothing when nothing was produced) whenever its
 * organization has a credits account; a request refused before admission gets neither a
 * record nor a transfer. `ledger verify` must pass after all of them. A client abort
 * mid-stream, the one ending this file leaves out, has its test in ledger-charging.test.ts.
 */

let fixture: GatewayFixture;
let url: string;

before(async () => {
  fixture = await startGatewayFixture({
    config: { gateway: { healthCheckIntervalMs: 600_000, circuitFailuresMax: 1_000 } },
  });
  url = fixture.platform.url;
});
after(async () => fixture.dispose());

const ask = { model: 'fake-model', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 50 };

interface Ending {
  readonly status: number;
  readonly requestId: string;
}

async function send(secret: string, body: unknown = ask): Promise<Ending> {
  const answer = await postRaw(url, secret, '/v1/chat/completions', body);
  return { status: answer.status, requestId: answer.requestId };
}

async function receiptCharge(secret: string, requestId: string): Promise<unknown> {
  const answer = await request(`${url}/v1/receipts/${requestId}`, { headers: { authorization: `Bearer ${secret}` } });
  const bundle = (await answer.body.json()) as { receipt: { creditsChargedMicro: unknown } };
  return bundle.receipt.creditsChargedMicro;
}

function assertSettled(record: UsageRecordView, charged: number, writtenOff: number): void {
  assert.deepEqual(
    [record.creditsPricedMicro, record.creditsChargedMicro, record.creditsWrittenOffMicro],
    [charged + writtenOff, charged, writtenOff],
    `${record.id} (${record.outcome})`,
  );
}

test('every ending of a request settles by one rule, and ledger verify passes after all of them', async () => {
  const served = await billedOrganization(url, 'e-served', 1_000_000);
  const ok = await send(served.secret);
  const streamed = await send(served.secret, { ...ask, stream: true });
  assert.deepEqual([ok.status, streamed.status], [200, 200]);

  // Refused by policy: a record and a receipt that prove the refusal, and a charge of nothing.
  const denied = await billedOrganization(url, 'e-denied', 1_000_000);
  await operatorCall(url, 'PUT', '/orgs/e-denied/policy', { allowedJurisdictions: ['JP'] });
  const policy = await send(denied.secret);
  assert.equal(policy.status, 403);

  // The model server fails: nothing was produced, nothing is charged.
  const failing = await billedOrganization(url, 'e-failed', 1_000_000);
  fixture.upstreams[0]!.fault = { kind: 'status', statusCode: 500 };
  const failed = await send(failing.secret).finally(() => {
    fixture.upstreams[0]!.fault = null;
  });
  assert.equal(failed.status, 502);

  // The model server reports more than the request held (max_tokens 1, 5,000 reported): the
  // organization pays its hold, the platform writes off the rest.
  const over = await billedOrganization(url, 'e-over', 1_000_000);
  fixture.upstreams[0]!.fault = { kind: 'overreport', completionTokens: 5_000 };
  const overreported = await send(over.secret, { ...ask, max_tokens: 1 }).finally(() => {
    fixture.upstreams[0]!.fault = null;
  });
  assert.equal(overreported.status, 200);

  // Refused before admission: no record, no transfer, no receipt.
  const unauthenticated = await send('cw_not-a-key');
  const poor = await billedOrganization(url, 'e-poor', 10);
  const unfunded = await send(poor.secret);
  const limited = await billedOrganization(url, 'e-limited', 1_000_000);
  await operatorCall(url, 'POST', '/orgs/e-limited/rate-limits', {
    scope: 'key',
    scopeId: limited.keyId,
    requestsPerMinute: 1,
    tokensPerMinute: null,
  });
  const firstOfLimited = await send(limited.secret);
  const rateLimited = await send(limited.secret);
  const budgeted = await billedOrganization(url, 'e-budget', 1_000_000);
  await operatorCall(url, 'POST', '/orgs/e-budget/budgets', {
    scope: 'project',
    scopeId: 'main',
    period: 'day',
    limitMicro: 10,
  });
  const overBudget = await send(budgeted.secret);
  assert.deepEqual(
    [unauthenticated.status, unfunded.status, firstOfLimited.status, rateLimited.status, overBudget.status],
    [401, 402, 200, 429, 402],
  );

  const records = await allUsageRecords(url);
  for (const refused of [unauthenticated, unfunded, rateLimited, overBudget]) {
    assert.equal(records.has(refused.requestId), false, `${refused.status}: refused before admission, no record`);
  }
  assertSettled(records.get(ok.requestId)!, fakeAnswerCostMicro, 0);
  assertSettled(await waitForUsageRecord(url, streamed.requestId), fakeAnswerCostMicro, 0);
  assertSettled(records.get(policy.requestId)!, 0, 0);
  assertSettled(records.get(failed.requestId)!, 0, 0);
  const overRecord = records.get(overreported.requestId)!;
  assert.equal(overRecord.completionTokens, 5_000);
  const pricedMicro = 5 * 1 + 5_000 * 2;
  const heldMicro = overRecord.creditsChargedMicro!;
  assert.ok(heldMicro < pricedMicro, `the hold (${heldMicro}) is below what was reported (${pricedMicro})`);
  assertSettled(overRecord, heldMicro, pricedMicro - heldMicro);

  assert.equal(await receiptCharge(denied.secret, policy.requestId), 0, "the refusal's receipt states its charge");
  assert.equal(
    await receiptCharge(over.secret, overreported.requestId),
    heldMicro,
    'a receipt states what was charged',
  );
  const statement = await operatorCall(url, 'GET', '/orgs/e-over/statement');
  assert.equal(statement.writtenOffMicro, pricedMicro - heldMicro, 'the statement shows the write-off');
  assert.equal(statement.closingBalanceMicro, 1_000_000 - heldMicro);
  const deniedStatement = await operatorCall(url, 'GET', '/orgs/e-denied/statement');
  assert.deepEqual(
    deniedStatement.lines.map((l: { code: string; amountMicro: number; usageRecordId: string | null }) => [
      l.code,
      l.amountMicro,
      l.usageRecordId,
    ]),
    [
      ['deposit', 1_000_000, null],
      ['charge', 0, policy.requestId],
    ],
  );
  await assertLedgerVerifies(url);
});
