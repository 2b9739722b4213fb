import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DeploymentRepository } from '../../src/catalog/index.js';
import { loadServerConfig } from '../../src/config/index.js';
import { type RunningPlatform, startPlatform } from '../../src/main.js';
import { callAdmin } from '../helpers/admin-client.js';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

let dataDir: string;
/** The platform currently running, if any, so that `after` can stop it whatever failed. */
let running: RunningPlatform | undefined;
/** Carried from one start to the next: the tests below form one story and run in order. */
let generatedToken: string;
let orgAdminSecret: string;
let secretFilesAtFirstStart: Record<string, Buffer>;
let auditPublicKeyAtFirstStart: string;

const upstreamSecret = 'sk-upstream-restart-5e4d3c2b1a09';
const secretFiles = ['audit-signing-key.pem', 'encryption.key', 'admin-token.sha256'];

before(() => {
  dataDir = tempDataDir();
});
after(async () => {
  await running?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the platform on the data directory with no admin token in the environment, as a first-time operator would. */
async function startWithEnv(env: Readonly<Record<string, string>>): Promise<RunningPlatform> {
  // A test that failed half-way may have left its platform running; the data directory allows one at a time.
  await stop();
  running = await startPlatform(loadServerConfig({ dataDir, port: 0, logLevel: 'silent' }, env));
  return running;
}

async function stop(): Promise<void> {
  await running?.close();
  running = undefined;
}

function readSecretFiles(): Record<string, Buffer> {
  return Object.fromEntries(secretFiles.map((name) => [name, readFileSync(join(dataDir, 'secrets', name))]));
}

function publicKeyPem(platform: RunningPlatform): string {
  return platform.secrets.auditPublicKey.export({ type: 'spki', format: 'pem' }).toString();
}

async function expectOk(
  platform: RunningPlatform,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<any> {
  const answer = await callAdmin(
    platform.url,
    method,
    `/admin/v1${path}`,
    body === undefined ? { token } : { body, token },
  );
  assert.ok(
    answer.status === 200 || answer.status === 201,
    `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`,
  );
  return answer.body;
}

test('the first start without a configured token generates one, and only that token works', async () => {
  const platform = await startWithEnv({});
  const token = platform.secrets.generatedAdminToken;
  assert.ok(token !== undefined, 'a token is generated on first start');
  assert.match(token, /^cw_admin_[A-Za-z0-9]{40}$/);
  generatedToken = token;

  assert.equal((await callAdmin(platform.url, 'GET', '/admin/v1/orgs', { token })).status, 200);
  assertAdminError(
    await callAdmin(platform.url, 'GET', '/admin/v1/orgs', { token: testAdminToken }),
    401,
    'invalid_admin_token',
  );
  assertAdminError(await callAdmin(platform.url, 'GET', '/admin/v1/orgs', { token: null }), 401, 'invalid_admin_token');

  await expectOk(platform, token, 'POST', '/orgs', { id: 'durable', name: 'Durable Org', homeJurisdiction: 'SE' });
  await expectOk(platform, token, 'POST', '/orgs/durable/projects', { id: 'durable-project', name: 'Durable project' });
  orgAdminSecret = (
    await expectOk(platform, token, 'POST', '/orgs/durable/keys', { role: 'org_admin', name: 'keeper' })
  ).secret;
  await expectOk(platform, token, 'POST', '/models', {
    id: 'durable-model',
    inputPriceMicroPerMtok: 11,
    outputPriceMicroPerMtok: 22,
  });
  await expectOk(platform, token, 'POST', '/sites', { id: 'durable-site', name: 'Durable site', jurisdiction: 'SE' });
  await expectOk(platform, token, 'POST', '/deployments', {
    id: 'durable-dep',
    modelId: 'durable-model',
    siteId: 'durable-site',
    kind: 'openai',
    baseUrl: 'http://10.3.3.3:8000/v1',
    upstreamApiKey: upstreamSecret,
  });

  secretFilesAtFirstStart = readSecretFiles();
  auditPublicKeyAtFirstStart = publicKeyPem(platform);
  await stop();
});

test('a restart on the same data directory keeps the token, the data and the secrets, and generates nothing', async () => {
  assert.ok(generatedToken, 'the first start ran');
  const platform = await startWithEnv({});
  assert.equal(platform.secrets.generatedAdminToken, undefined);

  const token = generatedToken;
  assert.equal((await expectOk(platform, token, 'GET', '/orgs/durable')).name, 'Durable Org');
  assert.equal(
    (await expectOk(platform, token, 'GET', '/orgs/durable/projects/durable-project')).name,
    'Durable project',
  );
  const keys = (await expectOk(platform, token, 'GET', '/orgs/durable/keys')).data;
  assert.deepEqual(
    keys.map((key: { name: string }) => key.name),
    ['keeper'],
  );
  assert.equal((await expectOk(platform, token, 'GET', '/models/durable-model')).outputPriceMicroPerMtok, 22);
  assert.equal((await expectOk(platform, token, 'GET', '/sites/durable-site')).jurisdiction, 'SE');
  const deployment = await expectOk(platform, token, 'GET', '/deployments/durable-dep');
  assert.equal(deployment.hasUpstreamApiKey, true);

  // The org admin key made before the restart still authenticates.
  assert.equal((await expectOk(platform, orgAdminSecret, 'GET', '/orgs')).data[0].id, 'durable');
  // The upstream key sealed before the restart still opens, so the encryption key survived.
  const opened = await new DeploymentRepository(platform.store, platform.secrets.secretBox).listAllWithSecrets();
  assert.equal(opened.find((item) => item.deployment.id === 'durable-dep')?.upstreamApiKey, upstreamSecret);

  assert.deepEqual(readSecretFiles(), secretFilesAtFirstStart, 'no secret file changed across the restart');
  assert.equal(publicKeyPem(platform), auditPublicKeyAtFirstStart, 'the audit signing key is the same key');
  await stop();
});

test('a token configured later replaces the generated one and keeps everything else', async () => {
  assert.ok(generatedToken, 'the first start ran');
  const platform = await startWithEnv({ COMMONWEAL_ADMIN_TOKEN: testAdminToken });
  assert.equal(platform.secrets.generatedAdminToken, undefined);
  assert.equal((await expectOk(platform, testAdminToken, 'GET', '/orgs/durable')).id, 'durable');
  assertAdminError(
    await callAdmin(platform.url, 'GET', '/admin/v1/orgs', { token: generatedToken }),
    401,
    'invalid_admin_token',
  );
  assert.equal((await expectOk(platform, orgAdminSecret, 'GET', '/orgs/durable')).id, 'durable');
  const now = readSecretFiles();
  assert.deepEqual(now['audit-signing-key.pem'], secretFilesAtFirstStart['audit-signing-key.pem']);
  assert.deepEqual(now['encryption.key'], secretFilesAtFirstStart['encryption.key']);
  await stop();
});
