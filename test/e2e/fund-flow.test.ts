import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI, { APIError } from 'openai';
import { request } from 'undici';
import { callAdmin } from '../helpers/admin-client.js';
import {
  assertLedgerVerifies,
  balanceOf,
  billedOrganization,
  fakeAnswerCostMicro,
  operatorCall,
} from '../helpers/billing-setup.js';
import { expectApiError } from '../helpers/gateway-calls.js';
import { startGatewayFixture } from '../helpers/gateway-fixture.js';
import { testAdminToken } from '../helpers/temp-platform.js';

const sweepAttemptsMax = 200;

test('the fund end to end: program → application → approval → usage → expiry → report', async () => {
  const fixture = await startGatewayFixture();
  try {
    const url = fixture.platform.url;
    await operatorCall(url, 'POST', '/programs', {
      id: 'nasf-2027',
      name: 'National AI Startup Fund 2027',
      defaultGrantMicro: 500_000,
      grantDurationDays: 90,
      eligibleModels: ['fake-model'],
    });
    assert.equal(
      (
        await callAdmin(url, 'POST', '/admin/v1/programs/nasf-2027/fund', {
          body: { amountMicro: 2_000_000, id: 'fund-2027-q1' },
        })
      ).status,
      201,
    );
    assert.equal(
      (
        await callAdmin(url, 'POST', '/admin/v1/programs/nasf-2027/fund', {
          body: { amountMicro: 2_000_000, id: 'fund-2027-q1' },
        })
      ).status,
      200,
      'a retried funding is the same funding',
    );

    // Two organizations apply with their own admin keys; neither has any credits of its own.
    const startup = await billedOrganization(url, 'startup', undefined);
    const other = await billedOrganization(url, 'other', undefined);
    const adminKey = async (orgId: string) =>
      (await operatorCall(url, 'POST', `/orgs/${orgId}/keys`, { role: 'org_admin' })).secret as string;
    const apply = async (orgId: string) => {
      const answer = await callAdmin(url, 'POST', `/admin/v1/orgs/${orgId}/applications`, {
        token: await adminKey(orgId),
        body: { programId: 'nasf-2027', description: `${orgId}: fine-tuning small models for public services` },
      });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      return answer.body;
    };
    const application = await apply('startup');
    const rejected = await apply('other');
    assert.equal(application.status, 'pending');

    const client = new OpenAI({ apiKey: startup.secret, baseURL: `${url}/v1`, maxRetries: 0 });
    const ask = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 10 };
    await expectApiError(client.chat.completions.create(ask), APIError, 402, 'insufficient_credits');

    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const approved = await operatorCall(url, 'POST', `/programs/nasf-2027/applications/${application.id}/approve`, {
      amountMicro: 1_000_000,
      expiresAt,
    });
    assert.deepEqual(
      [approved.status, approved.amountMicro, approved.grantExpiresAt],
      ['approved', 1_000_000, expiresAt],
    );
    const denied = await operatorCall(url, 'POST', `/programs/nasf-2027/applications/${rejected.id}/reject`, {
      reason: 'not a startup',
    });
    assert.deepEqual([denied.status, denied.reason], ['rejected', 'not a startup']);
    assert.equal(
      (await callAdmin(url, 'POST', `/admin/v1/programs/nasf-2027/applications/${rejected.id}/approve`, { body: {} }))
        .status,
      409,
    );
    const otherClient = new OpenAI({ apiKey: other.secret, baseURL: `${url}/v1`, maxRetries: 0 });
    await expectApiError(otherClient.chat.completions.create(ask), APIError, 402, 'insufficient_credits');

    // The grant pays for the startup's requests.
    await client.chat.completions.create(ask);
    await client.chat.completions.create(ask);
    assert.equal((await balanceOf(url, 'startup')).balanceMicro, 1_000_000 - 2 * fakeAnswerCostMicro);

    // At expiry, what is left goes back to the pool, and the grant pays for nothing more.
    let expiredGrants = 0;
    for (let attempt = 1; attempt <= sweepAttemptsMax && expiredGrants === 0; attempt++) {
      expiredGrants = (await operatorCall(url, 'POST', '/ledger/sweep')).grants;
      if (expiredGrants === 0) await sleep(20);
    }
    assert.equal(expiredGrants, 1);
    assert.equal((await balanceOf(url, 'startup')).balanceMicro, 0);
    await expectApiError(client.chat.completions.create(ask), APIError, 402, 'insufficient_credits');

    const report = await operatorCall(url, 'GET', '/programs/nasf-2027/report');
    const used = 2 * fakeAnswerCostMicro;
    assert.deepEqual(
      [
        report.fundedMicro,
        report.grantedMicro,
        report.usedMicro,
        report.expiredMicro,
        report.outstandingMicro,
        report.remainingMicro,
      ],
      [2_000_000, 1_000_000, used, 1_000_000 - used, 0, 2_000_000 - used],
    );
    assert.deepEqual(report.applications, { pending: 0, approved: 1, rejected: 1 });
    assert.deepEqual(report.topConsumers, [{ organizationId: 'startup', usedMicro: used, requests: 2 }]);
    assert.deepEqual(report.byModel, [{ modelId: 'fake-model', usedMicro: used, requests: 2 }]);

    const csv = await request(`${url}/admin/v1/programs/nasf-2027/report?format=csv`, {
      headers: { authorization: `Bearer ${testAdminToken}` },
    });
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    const text = await csv.body.text();
    assert.deepEqual(text.trim().split('\r\n'), [
      'section,key,micro_credits,requests',
      'total,funded,2000000,',
      'total,granted,1000000,',
      `total,used,${used},`,
      `total,expired,${1_000_000 - used},`,
      'total,outstanding,0,',
      `total,remaining,${2_000_000 - used},`,
      `consumer,startup,${used},2`,
      `model,fake-model,${used},2`,
    ]);

    const statement = await operatorCall(url, 'GET', '/orgs/startup/statement');
    assert.deepEqual(
      statement.lines.map((l: any) => [l.code, l.amountMicro, l.balanceMicro, l.programId]),
      [
        ['grant', 1_000_000, 1_000_000, 'nasf-2027'],
        ['charge', -fakeAnswerCostMicro, 1_000_000 - fakeAnswerCostMicro, 'nasf-2027'],
        ['charge', -fakeAnswerCostMicro, 1_000_000 - used, 'nasf-2027'],
        ['grant_expiry', -(1_000_000 - used), 0, 'nasf-2027'],
      ],
    );
    await assertLedgerVerifies(url);
  } finally {
    await fixture.dispose();
  }
});
