import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { tokenCostMicro } from '../../src/ledger/index.js';
import {
  assertLedgerVerifies,
  balanceOf,
  billedOrganization,
  fakeAnswerCostMicro,
  fakeModelPrices,
  operatorCall,
} from '../helpers/billing-setup.js';
import { sseData, withinGuard } from '../helpers/gateway-calls.js';
import { startGatewayFixture } from '../helpers/gateway-fixture.js';

const requestCount = 200;
const coveredCount = 50;
const guardMs = 30_000;

/** Every request has the same body, so that every hold is the same size. */
const body = JSON.stringify({
  model: 'fake-model',
  messages: [{ role: 'user', content: 'tell me about the fund' }],
  max_tokens: 20,
  stream: true,
});
/** The gateway's bound: body bytes plus 64 + 8 per message tokens of template, plus 20 completion tokens. */
const holdMicro = tokenCostMicro(fakeModelPrices, Buffer.byteLength(body) + 64 + 8, 20);

async function fire(url: string, secret: string): Promise<{ status: number; done: boolean }> {
  const answer = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body,
    headersTimeout: guardMs,
    bodyTimeout: guardMs,
  });
  const text = await answer.body.text();
  return { status: answer.statusCode, done: answer.statusCode === 200 && sseData(text).at(-1) === '[DONE]' };
}

test(`${requestCount} concurrent streams against a balance that covers ${coveredCount}: ${coveredCount} run, the rest get 402, nothing is overspent`, async () => {
  const fixture = await startGatewayFixture();
  try {
    const url = fixture.platform.url;
    const depositMicro = coveredCount * holdMicro;
    const { secret } = await billedOrganization(url, 'burst', depositMicro);
    const upstream = fixture.upstreams[0]!;
    // Admitted streams stall after their first chunk, so that all of them hold their credits at once.
    upstream.fault = { kind: 'stall_mid_stream', chunksBefore: 1 };
    let refused = 0;
    let onAllRefused!: () => void;
    const allRefused = new Promise<void>((resolve) => (onAllRefused = resolve));
    const outcomes = Array.from({ length: requestCount }, () =>
      fire(url, secret).then((outcome) => {
        if (outcome.status === 402 && ++refused === requestCount - coveredCount) onAllRefused();
        return outcome;
      }),
    );
    await withinGuard(upstream.waitForRequests(coveredCount), guardMs, 'the covered streams reach the model');
    await withinGuard(allRefused, guardMs, 'every other request is refused while the covered ones hold their credits');
    // While every admitted stream still holds its credits, nothing more is available.
    assert.equal((await balanceOf(url, 'burst')).availableMicro, 0);
    upstream.release();
    upstream.fault = null;
    const settled = await withinGuard(Promise.all(outcomes), guardMs, 'every request settles');
    assert.equal(settled.filter((o) => o.done).length, coveredCount, 'the covered streams completed');
    assert.equal(refused, requestCount - coveredCount, 'every other request was refused');
    assert.equal(settled.filter((o) => o.status !== 402 && !o.done).length, 0);
    assert.equal(upstream.chatRequests().length, coveredCount, 'no refused request reached the model');
    const spentMicro = depositMicro - (await balanceOf(url, 'burst')).balanceMicro;
    assert.equal(spentMicro, coveredCount * fakeAnswerCostMicro);
    assert.ok(spentMicro <= depositMicro, 'overshoot is zero');
    const charges = (await operatorCall(url, 'GET', '/orgs/burst/statement')).lines.filter(
      (l: any) => l.code === 'charge',
    );
    assert.equal(charges.length, coveredCount);
    await assertLedgerVerifies(url);
  } finally {
    await fixture.dispose();
  }
});
