import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import OpenAI, { APIError } from 'openai';
import pg from 'pg';
import { operatorCall } from '../helpers/billing-setup.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { withinGuard } from '../helpers/gateway-calls.js';
import { killMidLoad } from '../helpers/kill-mid-load.js';
import { redisService, redisUrl } from '../helpers/redis-service.js';
import { requireService } from '../helpers/require-service.js';
import { killServe, runCli, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import {
  createTempPostgresDatabase,
  postgresService,
  type TempPostgresDatabase,
} from '../helpers/temp-postgres-database.js';
import { tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

/**
 * Three `commonweal serve` processes on one PostgreSQL database and one Redis, as
 * replicas behind a load balancer are: one data directory (so they share its secrets),
 * requests spread over them round-robin. Only completion tokens are priced and the fake
 * upstream always answers `maxTokens` of them, so every served request costs exactly its
 * hold, and a balance for `servable` requests serves exactly that many, however they
 * interleave.
 */
const maxTokens = 4;
const outputPriceMicroPerMtok = 2_000_000;
const requestCostMicro = maxTokens * 2;
const servable = 50;
const requestCount = 300;
const guardMs = 120_000;
const sweepIntervalMs = 500;
/**
 * Short, so that the killed replica's holds go soon, yet well past the renewals' lag: a
 * replica renews at its sweep, and under a burst its sweep waits its turn for a pooled
 * connection behind the burst's reservations (on this shared machine, a 1.5 s TTL let
 * live holds expire and the others over-admit).
 */
const sharedHoldTtlMs = 10_000;
const rateLimitPerMinute = 20;

const dataDir = tempDataDir();
const env: Record<string, string> = { COMMONWEAL_ADMIN_TOKEN: testAdminToken };
const replicas: ServeProcess[] = [];
let upstream: FakeUpstream;
let database: TempPostgresDatabase | undefined;
let direct: pg.Client | undefined;
interface Organization {
  readonly orgId: string;
  readonly secret: string;
  readonly keyId: string;
}
const organizations: Record<string, Organization> = {};

before(async () => {
  upstream = await FakeUpstream.start();
});
after(async () => {
  for (const replica of replicas) await killServe(replica);
  await direct?.end();
  await database?.drop();
  await upstream.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * The catalog and both tests' organizations, made through the first replica, then the
 * other two: a replica loads keys and accounts at start, and seeing another replica's
 * admin changes is not what these tests are about.
 */
async function startReplicas(t: TestContext): Promise<boolean> {
  if (!(await requireService(t, postgresService)) || !(await requireService(t, redisService))) return false;
  database = await createTempPostgresDatabase();
  direct = new pg.Client({ connectionString: database.url });
  await direct.connect();
  const configFile = join(dataDir, 'replicas.json');
  writeFileSync(configFile, JSON.stringify({ ledger: { sweepIntervalMs, sharedHoldTtlMs }, limits: { redisUrl } }));
  Object.assign(env, { COMMONWEAL_DATABASE_URL: database.url, COMMONWEAL_CONFIG: configFile });
  // The first replica migrates the database; the others start on it once it has.
  replicas.push(await spawnServe(['--data-dir', dataDir], env));
  const url = replicas[0]!.url;
  await operatorCall(url, 'POST', '/models', {
    id: 'fake-model',
    inputPriceMicroPerMtok: 0,
    outputPriceMicroPerMtok,
  });
  await operatorCall(url, 'POST', '/sites', { id: 'fra-1', name: 'Frankfurt', jurisdiction: 'DE' });
  await operatorCall(url, 'POST', '/deployments', {
    id: 'dep-0',
    modelId: 'fake-model',
    siteId: 'fra-1',
    kind: 'openai',
    baseUrl: upstream.baseUrl,
  });
  organizations.exact = await fundedOrganization('exact', servable * requestCostMicro);
  organizations.killed = await fundedOrganization('killed', servable * requestCostMicro);
  organizations.limited = await fundedOrganization('limited', 1_000_000);
  await operatorCall(url, 'POST', `/orgs/${organizations.limited.orgId}/rate-limits`, {
    scope: 'key',
    scopeId: organizations.limited.keyId,
    requestsPerMinute: rateLimitPerMinute,
    tokensPerMinute: null,
  });
  while (replicas.length < 3) replicas.push(await spawnServe(['--data-dir', dataDir], env));
  return true;
}

/** An organization with a key, funded with `creditsMicro`, made through the first replica. */
async function fundedOrganization(prefix: string, creditsMicro: number): Promise<Organization> {
  // Random, so that this run's rate-limit keys in the shared Redis are its own.
  const orgId = `${prefix}-${randomBytes(4).toString('hex')}`;
  const url = replicas[0]!.url;
  await operatorCall(url, 'POST', '/orgs', { id: orgId, name: orgId, homeJurisdiction: 'DE' });
  await operatorCall(url, 'POST', `/orgs/${orgId}/projects`, { id: 'main', name: 'Main' });
  const key = await operatorCall(url, 'POST', `/orgs/${orgId}/keys`, { role: 'project', projectId: 'main' });
  await operatorCall(url, 'POST', `/orgs/${orgId}/credits`, { amountMicro: creditsMicro, id: `seed-${orgId}` });
  return { orgId, secret: key.secret, keyId: key.id };
}

type Outcome = { status: 200; requestId: string } | { status: number; code: string | null } | { status: 'lost' };

/** One request through the official client to `replica`; what it got, whatever happened to the replica. */
async function ask(replica: ServeProcess, secret: string, index: number): Promise<Outcome> {
  const client = new OpenAI({ apiKey: secret, baseURL: `${replica.url}/v1`, maxRetries: 0, timeout: guardMs });
  try {
    const { response } = await client.chat.completions
      .create({ model: 'fake-model', messages: [{ role: 'user', content: `request ${index}` }], max_tokens: maxTokens })
      .withResponse();
    return { status: 200, requestId: response.headers.get('x-request-id')! };
  } catch (error) {
    if (error instanceof APIError && error.status !== undefined)
      return { status: error.status, code: (error.error as { code?: string } | undefined)?.code ?? null };
    return { status: 'lost' };
  }
}

async function openHoldCount(): Promise<number> {
  const result = await direct!.query('select count(*)::int as n from ledger_request_holds');
  return result.rows[0].n;
}

async function meteredIds(orgId: string): Promise<Set<string>> {
  const result = await direct!.query('select id from usage_records where organization_id = $1', [orgId]);
  return new Set(result.rows.map((row) => row.id as string));
}

async function chargedMicro(orgId: string): Promise<number> {
  const result = await direct!.query(
    `select coalesce(sum(amount_micro), 0)::bigint as charged from ledger_transfers
     where code = 'charge' and organization_id = $1`,
    [orgId],
  );
  return Number(result.rows[0].charged);
}

async function cliVerifies(args: readonly string[]): Promise<void> {
  const result = await runCli(args, env);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
}

async function booksVerify(): Promise<void> {
  await cliVerifies(['--server', replicas[0]!.url, '--token', testAdminToken, 'ledger', 'verify']);
  await cliVerifies(['audit', 'verify', '--data-dir', dataDir]);
}

async function untilNoHoldIsOpen(): Promise<void> {
  const deadline = Date.now() + guardMs;
  while ((await openHoldCount()) > 0) {
    assert.ok(Date.now() < deadline, 'the holds of the killed replica expired and were swept');
    await new Promise((resolve) => setTimeout(resolve, sweepIntervalMs));
  }
}

test(`${requestCount} concurrent requests over 3 replicas against a balance for ${servable}: exactly ${servable} served`, async (t) => {
  if (!(await startReplicas(t))) return;
  const { orgId, secret } = organizations.exact!;
  const calledBefore = upstream.chatRequests().length;
  const outcomes = await withinGuard(
    Promise.all(Array.from({ length: requestCount }, (_, i) => ask(replicas[i % 3]!, secret, i))),
    guardMs,
    'every request answered',
  );
  const served = outcomes.filter((o): o is { status: 200; requestId: string } => o.status === 200);
  const refused = outcomes.filter((o) => o.status === 402 && 'code' in o && o.code === 'insufficient_credits');
  const called = upstream.chatRequests().length - calledBefore;
  t.diagnostic(
    `served ${served.length}, refused ${refused.length} of ${requestCount}; upstream called ${called} times`,
  );
  // A replica that admitted beyond the balance called the model for credits the database then refused to charge.
  assert.equal(called, servable, 'the model was called only for the requests the balance covers');
  assert.equal(served.length, servable, 'exactly the requests the balance covers were served');
  assert.equal(refused.length, requestCount - servable, 'every other request was refused for credits');
  assert.equal(await chargedMicro(orgId), servable * requestCostMicro);
  const metered = await meteredIds(orgId);
  for (const { requestId } of served) assert.ok(metered.has(requestId), `${requestId} was served but not metered`);
  assert.equal(await openHoldCount(), 0, 'every hold ended with its request');
  await booksVerify();
});

test(`a rate limit of ${rateLimitPerMinute} a minute holds across the replicas: ${rateLimitPerMinute} of 60 served`, async (t) => {
  if (replicas.length < 3) {
    t.skip('needs the replicas of the first test');
    return;
  }
  const { secret } = organizations.limited!;
  const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => ask(replicas[i % 3]!, secret, i)));
  assert.equal(outcomes.filter((o) => o.status === 200).length, rateLimitPerMinute);
  const limited = outcomes.filter((o) => o.status === 429 && 'code' in o && o.code === 'rate_limit_exceeded');
  assert.equal(limited.length, 60 - rateLimitPerMinute);
});

test('a replica SIGKILLed under load: its holds expire and are swept by the others, and the books verify', async (t) => {
  if (replicas.length < 3) {
    t.skip('needs the replicas of the first test');
    return;
  }
  const { orgId, secret } = organizations.killed!;
  // Slow answers, started one after another, keep requests in flight on the replica when it dies.
  upstream.fault = { kind: 'delay', delayMs: 1_000 };
  const victim = replicas[2]!;
  let completed = 0;
  // Fewer requests than the balance covers: the credits of those that die with the replica must come back.
  const outcomes = await killMidLoad(victim, {
    requests: servable - 5,
    staggerMs: 20,
    guardMs,
    fire: (i) => ask(replicas[i % 3]!, secret, i),
    enough: (outcome) => outcome.status === 200 && ++completed >= 10,
  });
  upstream.fault = null;
  replicas.pop();
  t.diagnostic(`holds open once every request settled: ${await openHoldCount()}`);

  await untilNoHoldIsOpen();
  const metered = await meteredIds(orgId);
  for (const outcome of outcomes)
    if ('requestId' in outcome) assert.ok(metered.has(outcome.requestId), `${outcome.requestId} served, not metered`);
  const charged = await chargedMicro(orgId);
  assert.equal(charged, metered.size * requestCostMicro, 'every metered request is charged exactly once');
  await booksVerify();

  // Nothing of the dead replica's holds stays reserved: what is left serves exactly its share.
  const left = servable - metered.size;
  assert.ok(left > 5, 'requests in flight on the killed replica died unmetered, their holds left behind');
  t.diagnostic(`${metered.size} metered before and across the kill; ${left} requests' credits left`);
  const after = await Promise.all(Array.from({ length: left + 20 }, (_, i) => ask(replicas[i % 2]!, secret, i)));
  assert.equal(after.filter((o) => o.status === 200).length, left);
  assert.equal(await chargedMicro(orgId), servable * requestCostMicro);
  assert.equal(await openHoldCount(), 0);
  await booksVerify();
});
