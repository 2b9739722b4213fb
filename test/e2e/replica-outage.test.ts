import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { request } from 'undici';
import { callAdmin } from '../helpers/admin-client.js';
import { requireService } from '../helpers/require-service.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { startTempPlatform } from '../helpers/temp-platform.js';
import { createTempPostgresDatabase, postgresService } from '../helpers/temp-postgres-database.js';

/** Polls `probe` until it returns true; the bound is generous, the test never depends on how soon. */
async function eventually(what: string, probe: () => Promise<boolean>, boundMs = 30_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(50);
  }
  assert.fail(`${what}: not within ${boundMs} ms`);
}

async function listModels(url: string, key: string): Promise<{ status: number; code: string | undefined }> {
  const answer = await request(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await answer.body.json()) as { error?: { code?: string } };
  return { status: answer.statusCode, code: body.error?.code };
}

test('a replica that loses PostgreSQL refuses /v1 with 503 configuration_stale and recovers by itself', async (t) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  const proxy = await TcpProxy.start('127.0.0.1', 5432);
  const url = new URL(database.url);
  url.port = String(proxy.port);
  const platform = await startTempPlatform(undefined, {
    database: { url: url.toString() },
    billing: 'off',
    replicas: { heartbeatIntervalMs: 100, leaseMs: 1_000 },
  });
  try {
    const admin = async (path: string, body: unknown) => {
      const answer = await callAdmin(platform.url, 'POST', path, { body });
      assert.ok(answer.status < 300, `${path}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    await admin('/admin/v1/orgs', { id: 'acme', name: 'Acme', homeJurisdiction: 'SE' });
    await admin('/admin/v1/orgs/acme/projects', { id: 'main', name: 'Main' });
    const key = (await admin('/admin/v1/orgs/acme/keys', { projectId: 'main' })).secret as string;
    assert.equal((await listModels(platform.url, key)).status, 200);

    proxy.cut();
    await eventually('the replica refuses once it cannot confirm its configuration', async () => {
      const answer = await listModels(platform.url, key);
      if (answer.status === 200) return false;
      assert.deepEqual(answer, { status: 503, code: 'configuration_stale' });
      return true;
    });
    const ready = await request(`${platform.url}/readyz`);
    assert.equal(ready.statusCode, 503, 'a balancer is told to skip the replica');
    await ready.body.dump();

    proxy.restore();
    await eventually('the replica serves again once PostgreSQL is back', async () => {
      const answer = await listModels(platform.url, key);
      return answer.status === 200;
    });
  } finally {
    proxy.restore();
    await platform.dispose();
    await proxy.close();
    await database.drop();
  }
});
