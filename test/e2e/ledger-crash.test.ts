import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import {
  balanceOf,
  billedOrganization,
  fakeAnswerCostMicro,
  fakeModelPrices,
  operatorCall,
} from '../helpers/billing-setup.js';
import { type FakeFault, FakeUpstream } from '../helpers/fake-upstream.js';
import { allUsageRecords, sseData, withinGuard } from '../helpers/gateway-calls.js';
import { killMidLoad } from '../helpers/kill-mid-load.js';
import { exitOf, killServe, runCli, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

const roundCount = 3;
const requestsPerRound = 40;
const completeBeforeKill = 6;
const staggerMs = 2;
const guardMs = 15_000;
const depositMicro = 1_000_000_000;
const env = { COMMONWEAL_ADMIN_TOKEN: testAdminToken };
const slowStream: FakeFault = { kind: 'slow_stream', eventDelayMs: 15 };

let upstream: FakeUpstream;
const dataDir = tempDataDir();
let server: ServeProcess | undefined;

before(async () => {
  upstream = await FakeUpstream.start();
  upstream.fault = slowStream;
});
after(async () => {
  await killServe(server);
  await upstream.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** One request; true when its answer arrived whole, whatever happened to the server. */
async function fire(
  url: string,
  apiKey: string,
  index: number,
): Promise<{ requestId: string | undefined; complete: boolean }> {
  const stream = index % 2 === 1;
  let requestId: string | undefined;
  try {
    const answer = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'fake-model',
        messages: [{ role: 'user', content: `request ${index}` }],
        max_tokens: 20,
        stream,
      }),
      headersTimeout: guardMs,
      bodyTimeout: guardMs,
    });
    requestId = answer.headers['x-request-id'] as string | undefined;
    const text = await answer.body.text();
    const complete =
      answer.statusCode === 200 && (stream ? sseData(text).at(-1) === '[DONE]' : JSON.parse(text).usage !== undefined);
    return { requestId, complete };
  } catch {
    return { requestId, complete: false };
  }
}

function roundWithKill(
  running: ServeProcess,
  apiKey: string,
): Promise<{ requestId: string | undefined; complete: boolean }[]> {
  let completed = 0;
  return killMidLoad(running, {
    requests: requestsPerRound,
    staggerMs,
    guardMs,
    fire: (index) => fire(running.url, apiKey, index),
    enough: (outcome) => outcome.complete && ++completed >= completeBeforeKill,
  });
}

async function ledgerVerifies(url: string): Promise<void> {
  const result = await runCli(['--server', url, '--token', testAdminToken, 'ledger', 'verify']);
  assert.equal(result.code, 0, `ledger verify: ${result.stdout}${result.stderr}`);
  assert.match(result.stdout, /^ok: /);
}

test('SIGKILL under load, repeatedly: after each restart the ledger verifies, and no charge is lost or doubled', async (t) => {
  server = await spawnServe(['--data-dir', dataDir], env);
  const { secret } = await billedOrganization(server.url, 'acme', depositMicro);
  await operatorCall(server.url, 'POST', '/models', { id: 'fake-model', ...fakeModelPrices });
  await operatorCall(server.url, 'POST', '/sites', { id: 'fra-1', name: 'Frankfurt', jurisdiction: 'DE' });
  await operatorCall(server.url, 'POST', '/deployments', {
    id: 'dep-0',
    modelId: 'fake-model',
    siteId: 'fra-1',
    kind: 'openai',
    baseUrl: upstream.baseUrl,
  });

  const answeredWhole = new Set<string>();
  for (let round = 1; round <= roundCount; round++) {
    // A durable hold that will time out while the server is down: the restart must void it.
    await operatorCall(server.url, 'POST', '/ledger/transfers', {
      id: `hold-${round}`,
      debitAccountId: 'org:acme',
      creditAccountId: 'revenue',
      amountMicro: 1_000,
      timeoutMs: 1,
    });
    for (const outcome of await roundWithKill(server, secret))
      if (outcome.complete && outcome.requestId !== undefined) answeredWhole.add(outcome.requestId);
    server = await spawnServe(['--data-dir', dataDir], env);
    await ledgerVerifies(server.url);

    const records = await allUsageRecords(server.url);
    const charges = (await operatorCall(server.url, 'GET', '/orgs/acme/statement')).lines.filter(
      (l: any) => l.code === 'charge',
    );
    const chargedIds = charges.map((l: any) => l.usageRecordId as string);
    assert.equal(new Set(chargedIds).size, chargedIds.length, `round ${round}: no request was charged twice`);
    assert.deepEqual(
      [...chargedIds].sort(),
      [...records.keys()].sort(),
      `round ${round}: every usage record has exactly its charge`,
    );
    for (const id of answeredWhole)
      assert.ok(records.has(id), `round ${round}: ${id} was answered whole but is not metered`);
    assert.ok(charges.every((l: any) => l.amountMicro === -fakeAnswerCostMicro));
    assert.deepEqual(
      await balanceOf(server.url, 'acme'),
      {
        balanceMicro: depositMicro - records.size * fakeAnswerCostMicro,
        availableMicro: depositMicro - records.size * fakeAnswerCostMicro,
      },
      `round ${round}: the balance is the deposit less every charge, and the hold is void`,
    );
  }
  t.diagnostic(`${answeredWhole.size} answers whole and charged over ${roundCount} kills`);
  server.child.kill('SIGTERM');
  assert.equal(await withinGuard(exitOf(server.child), guardMs, 'a graceful stop'), 0);
});
