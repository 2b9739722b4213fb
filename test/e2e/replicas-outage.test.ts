import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI, { APIError } from 'openai';
import pg from 'pg';
import { operatorCall } from '../helpers/billing-setup.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { redisService } from '../helpers/redis-service.js';
import { requireService } from '../helpers/require-service.js';
import { killServe, runCli, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { createTempPostgresDatabase, postgresService } from '../helpers/temp-postgres-database.js';
import { tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

const recoveryGuardMs = 60_000;

/** What one request got: 200, or the status and code of its error. */
async function outcomeOf(client: OpenAI): Promise<string> {
  try {
    await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'hej' }],
      max_tokens: 4,
    });
    return '200';
  } catch (error) {
    if (error instanceof APIError) return `${error.status} ${(error.error as { code?: string } | undefined)?.code}`;
    throw error;
  }
}

/** Asks until a request is served, as a client retrying after a 503 would; fails past the guard. */
async function servedAgain(client: OpenAI): Promise<void> {
  const deadline = Date.now() + recoveryGuardMs;
  let last = '';
  while ((last = await outcomeOf(client)) !== '200') {
    assert.ok(Date.now() < deadline, `not served again after the service returned; last answer ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('PostgreSQL or Redis cut off: requests fail closed with 503, and the replica serves again by itself', async (t) => {
  if (!(await requireService(t, postgresService)) || !(await requireService(t, redisService))) return;
  const database = await createTempPostgresDatabase();
  const upstream = await FakeUpstream.start();
  // Proxies this test cuts, so that the services other tests share never stop.
  const postgresProxy = await TcpProxy.start('127.0.0.1', 5432);
  const redisProxy = await TcpProxy.start('127.0.0.1', 6379);
  const dataDir = tempDataDir();
  let server: ServeProcess | undefined;
  try {
    const configFile = join(dataDir, 'outage.json');
    writeFileSync(configFile, JSON.stringify({ limits: { redisUrl: `redis://127.0.0.1:${redisProxy.port}` } }));
    const env = {
      COMMONWEAL_ADMIN_TOKEN: testAdminToken,
      COMMONWEAL_DATABASE_URL: `postgres://postgres@127.0.0.1:${postgresProxy.port}/${database.name}`,
      COMMONWEAL_CONFIG: configFile,
    };
    server = await spawnServe(['--data-dir', dataDir], env);
    const url = server.url;
    // Random, so that this run's rate-limit keys in the shared Redis are its own.
    const orgId = `outage-${randomBytes(4).toString('hex')}`;
    await operatorCall(url, 'POST', '/models', {
      id: 'fake-model',
      inputPriceMicroPerMtok: 0,
      outputPriceMicroPerMtok: 1,
    });
    await operatorCall(url, 'POST', '/sites', { id: 'fra-1', name: 'Frankfurt', jurisdiction: 'DE' });
    await operatorCall(url, 'POST', '/deployments', {
      id: 'dep-0',
      modelId: 'fake-model',
      siteId: 'fra-1',
      kind: 'openai',
      baseUrl: upstream.baseUrl,
    });
    await operatorCall(url, 'POST', '/orgs', { id: orgId, name: orgId, homeJurisdiction: 'DE' });
    await operatorCall(url, 'POST', `/orgs/${orgId}/projects`, { id: 'main', name: 'Main' });
    const key = await operatorCall(url, 'POST', `/orgs/${orgId}/keys`, { role: 'project', projectId: 'main' });
    await operatorCall(url, 'POST', `/orgs/${orgId}/credits`, { amountMicro: 1_000_000 });
    await operatorCall(url, 'POST', `/orgs/${orgId}/rate-limits`, {
      scope: 'key',
      scopeId: key.id,
      requestsPerMinute: 100_000,
      tokensPerMinute: null,
    });
    const client = new OpenAI({ apiKey: key.secret, baseURL: `${url}/v1`, maxRetries: 0 });
    assert.equal(await outcomeOf(client), '200');

    postgresProxy.cut();
    // Whichever notices first refuses: the replica's configuration lease (its LISTEN connection
    // dropped) or the credit hold that cannot be taken. Both refuse before any model is called.
    const refusedWhileAway = /^503 (ledger_unavailable|configuration_stale)$/;
    assert.match(await outcomeOf(client), refusedWhileAway);
    assert.match(await outcomeOf(client), refusedWhileAway, 'still refused while the database is away');
    postgresProxy.restore();
    await servedAgain(client);

    redisProxy.cut();
    assert.equal(await outcomeOf(client), '503 not_ready');
    redisProxy.restore();
    await servedAgain(client);

    assert.equal(server.child.exitCode, null, 'the same process recovered, without a restart');
    const direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
    try {
      const metered = await direct.query(
        "select count(*)::int as n from usage_records where organization_id = $1 and outcome = 'success'",
        [orgId],
      );
      // No request reached the model unmetered: every call of the model has its record.
      assert.equal(metered.rows[0].n, upstream.chatRequests().length);
      const holds = await direct.query('select count(*)::int as n from ledger_request_holds');
      assert.equal(holds.rows[0].n, 0);
    } finally {
      await direct.end();
    }
    const verify = await runCli(['--server', url, '--token', testAdminToken, 'ledger', 'verify']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  } finally {
    await killServe(server);
    await postgresProxy.close();
    await redisProxy.close();
    await upstream.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
