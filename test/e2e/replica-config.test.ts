import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import pg from 'pg';
import { request } from 'undici';
import { callAdmin } from '../helpers/admin-client.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { requireService } from '../helpers/require-service.js';
import { exitOf, killServe, runCli, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { tempDataDir, testAdminToken } from '../helpers/temp-platform.js';
import { createTempPostgresDatabase, postgresService } from '../helpers/temp-postgres-database.js';

const leaseMs = 2_000;

/** Polls `probe` until it returns true; the bound is generous, the test never depends on how soon. */
async function eventually(what: string, probe: () => Promise<boolean>, boundMs = 30_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(50);
  }
  assert.fail(`${what}: not within ${boundMs} ms`);
}

interface ChatAnswer {
  readonly status: number;
  readonly jurisdiction: string | undefined;
  readonly code: string | undefined;
}

async function chat(url: string, key: string): Promise<ChatAnswer> {
  const answer = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hej' }] }),
  });
  const body = (await answer.body.json()) as { error?: { code?: string } };
  const jurisdiction = answer.headers['x-commonweal-jurisdiction'];
  return {
    status: answer.statusCode,
    jurisdiction: typeof jurisdiction === 'string' ? jurisdiction : undefined,
    code: body.error?.code,
  };
}

async function admin(url: string, method: 'POST' | 'PUT', path: string, body: unknown): Promise<number> {
  const startedAtMs = performance.now();
  const answer = await callAdmin(url, method, `/admin/v1${path}`, { body });
  assert.ok(answer.status < 300, `${path}: ${JSON.stringify(answer.body)}`);
  return performance.now() - startedAtMs;
}

/** The process id of the replica that holds the signing lease, from the name its session carries. */
async function signerPid(databaseUrl: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `select a.application_name as name from pg_locks l join pg_stat_activity a on a.pid = l.pid
       where l.locktype = 'advisory' and l.granted and a.application_name like 'commonweal-signer pid %'`,
    );
    return rows.length === 0 ? undefined : Number(rows[0]!.name.split(' ').at(-1));
  } finally {
    await client.end();
  }
}

async function checkpointSizeMax(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ size: string | null }>(
      'select max(tree_size) as size from audit_checkpoints',
    );
    return Number(rows[0]?.size ?? 0);
  } finally {
    await client.end();
  }
}

test('replicas share one configuration, one log and one signer', async (t) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  const us = await FakeUpstream.start();
  const se = await FakeUpstream.start();
  const secretsDir = tempDataDir();
  const configFile = join(secretsDir, '..', `replica-config-${process.pid}-${Date.now()}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({
      billing: 'off',
      audit: { checkpointIntervalMs: 200 },
      replicas: { heartbeatIntervalMs: 100, leaseMs },
    }),
  );
  const env = {
    COMMONWEAL_DATABASE_URL: database.url,
    COMMONWEAL_SECRETS_DIR: secretsDir,
    COMMONWEAL_ADMIN_TOKEN: testAdminToken,
  };
  const dataDirs = [tempDataDir(), tempDataDir(), tempDataDir()];
  const serve = (dataDir: string, extraEnv: Record<string, string> = {}) =>
    spawnServe(['--data-dir', dataDir, '--config', configFile], { ...env, ...extraEnv });
  const replicas: ServeProcess[] = [];
  const scratch = [secretsDir, configFile, ...dataDirs];
  try {
    // The first start generates the shared secrets; the others read them.
    replicas.push(await serve(dataDirs[0]!));
    replicas.push(...(await Promise.all([serve(dataDirs[1]!), serve(dataDirs[2]!)])));
    const [one, two, three] = replicas as [ServeProcess, ServeProcess, ServeProcess];

    await admin(one.url, 'POST', '/orgs', { id: 'acme', name: 'Acme', homeJurisdiction: 'SE' });
    await admin(one.url, 'POST', '/orgs/acme/projects', { id: 'main', name: 'Main' });
    const key = (await callAdmin(one.url, 'POST', '/admin/v1/orgs/acme/keys', { body: { projectId: 'main' } })).body
      .secret as string;
    await admin(one.url, 'POST', '/models', {
      id: 'fake-model',
      inputPriceMicroPerMtok: 1,
      outputPriceMicroPerMtok: 1,
    });
    await admin(one.url, 'POST', '/sites', { id: 'us-1', name: 'Virginia', jurisdiction: 'US' });
    await admin(one.url, 'POST', '/sites', { id: 'se-1', name: 'Stockholm', jurisdiction: 'SE' });
    for (const [id, siteId, upstream] of [
      ['dep-us', 'us-1', us],
      ['dep-se', 'se-1', se],
    ] as const) {
      await admin(one.url, 'POST', '/deployments', {
        id,
        modelId: 'fake-model',
        siteId,
        kind: 'openai',
        baseUrl: upstream.baseUrl,
      });
    }
    await admin(one.url, 'PUT', '/orgs/acme/policy', { allowedJurisdictions: ['US'] });

    // Replica 3 knows what replica 1 created as soon as the admin calls returned.
    for (let i = 0; i < 3; i += 1)
      assert.deepEqual(await chat(three.url, key), { status: 200, jurisdiction: 'US', code: undefined });

    // Narrowed on replica 1: replica 3 routes by the new policy from the moment the call returns.
    const narrowMs = await admin(one.url, 'PUT', '/orgs/acme/policy', { allowedJurisdictions: ['SE'] });
    const usBefore = us.chatRequests().length;
    for (let i = 0; i < 5; i += 1)
      assert.deepEqual(await chat(three.url, key), { status: 200, jurisdiction: 'SE', code: undefined });
    assert.deepEqual(await chat(two.url, key), { status: 200, jurisdiction: 'SE', code: undefined });
    assert.equal(us.chatRequests().length, usBefore, 'no request went to the US after the narrowing returned');
    t.diagnostic(`narrowing confirmed by all three replicas in ${narrowMs.toFixed(1)} ms (admin call, end to end)`);

    // A replica that cannot confirm (stopped) holds the change up for at most its lease. A
    // request that reached it while it was stopped is answered once it runs again, before it
    // could hear of the change: it must refuse, not route by the old, wider policy.
    await admin(one.url, 'PUT', '/orgs/acme/policy', { allowedJurisdictions: ['US'] });
    const usBeforeStop = us.chatRequests().length;
    three.child.kill('SIGSTOP');
    let stoppedMs: number;
    let waiting: Promise<ChatAnswer>;
    try {
      stoppedMs = await admin(one.url, 'PUT', '/orgs/acme/policy', { allowedJurisdictions: ['SE'] });
      waiting = chat(three.url, key);
      // Long enough for the request to be in the stopped process's socket buffer; a shorter wait only tests less.
      await sleep(200);
    } finally {
      three.child.kill('SIGCONT');
    }
    const early = await waiting;
    t.diagnostic(
      `with replica 3 stopped, the narrowing returned after ${stoppedMs.toFixed(1)} ms (lease ${leaseMs} ms)`,
    );
    assert.ok(
      early.jurisdiction === 'SE' || (early.status === 503 && early.code === 'configuration_stale'),
      `the resumed replica answered ${JSON.stringify(early)}`,
    );
    await eventually('replica 3 serves by the narrowed policy', async () => {
      const answer = await chat(three.url, key);
      if (answer.status === 503) {
        assert.equal(answer.code, 'configuration_stale');
        return false;
      }
      assert.deepEqual(answer, { status: 200, jurisdiction: 'SE', code: undefined });
      return true;
    });
    assert.equal(us.chatRequests().length, usBeforeStop, 'the resumed replica sent nothing to the US');

    // One signer: kill it, and another replica signs the next checkpoint.
    let killedPid: number | undefined;
    await eventually(
      'one replica holds the signing lease',
      async () => (killedPid = await signerPid(database.url)) !== undefined,
    );
    const signer = replicas.find((replica) => replica.child.pid === killedPid);
    assert.ok(signer !== undefined, `the signer (pid ${killedPid}) is one of the replicas`);
    signer.child.kill('SIGKILL');
    await exitOf(signer.child);
    const survivors = replicas.filter((replica) => replica !== signer);
    const sizeBefore = await checkpointSizeMax(database.url);
    assert.equal((await chat(survivors[0]!.url, key)).status, 200);
    await eventually('a surviving replica signs a newer checkpoint', async () => {
      const pid = await signerPid(database.url);
      return pid !== undefined && pid !== killedPid && (await checkpointSizeMax(database.url)) > sizeBefore;
    });
    const newSigner = await signerPid(database.url);
    assert.ok(
      survivors.some((replica) => replica.child.pid === newSigner),
      'the new signer is a survivor',
    );

    const verified = await runCli(['audit', 'verify', '--data-dir', dataDirs[1]!], env);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /OK: every leaf, node and checkpoint verifies/);

    // A replica given another signing key would fork the log: it refuses to start.
    const otherSecrets = tempDataDir();
    const otherDataDir = tempDataDir();
    scratch.push(otherSecrets, otherDataDir);
    await assert.rejects(
      serve(otherDataDir, { COMMONWEAL_SECRETS_DIR: otherSecrets }),
      /did not sign the log's checkpoint/,
    );
  } finally {
    await Promise.all(replicas.map((replica) => killServe(replica)));
    await us.close();
    await se.close();
    await database.drop();
    for (const path of scratch) rmSync(path, { recursive: true, force: true });
  }
});
