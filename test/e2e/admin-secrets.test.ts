import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DeploymentRepository } from '../../src/catalog/index.js';
import { callAdmin, type JsonAnswer } from '../helpers/admin-client.js';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { runCli } from '../helpers/spawn-cli.js';
import { startTempPlatform, type TempPlatform, testAdminToken } from '../helpers/temp-platform.js';

let platform: TempPlatform;
before(async () => {
  platform = await startTempPlatform();
});
after(async () => platform.dispose());

const markerOrgName = 'Marker Org 7f3a9c';
const upstreamSecret = 'sk-upstream-FIRST-9d8e7f6a5b4c3d2e1f0a';
const upstreamSecretRotated = 'sk-upstream-SECOND-0a1b2c3d4e5f6a7b8c9d';
/** Every key secret handed out by the tests of this file, so that the file scan below can look for all of them. */
const keySecrets: string[] = [];

function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

async function operator(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  status: number,
  body?: unknown,
): Promise<JsonAnswer> {
  const answer = await callAdmin(platform.url, method, `/admin/v1${path}`, body === undefined ? {} : { body });
  assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
  return answer;
}

/** Asserts that none of the given secrets, nor their SHA-256 hashes, appear anywhere in an answer. */
function assertHidesSecrets(answer: JsonAnswer, secrets: readonly string[], label: string): void {
  const text = JSON.stringify(answer.body);
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `${label} returned a secret: ${text}`);
    assert.ok(!text.includes(sha256Hex(secret)), `${label} returned a secret's hash: ${text}`);
  }
  assert.ok(!/"secret(Hash)?"\s*:/.test(text), `${label} has a secret field: ${text}`);
  assert.ok(!/"upstreamApiKey(Sealed)?"\s*:/.test(text), `${label} has an upstream key field: ${text}`);
}

test('a key secret is returned once at creation and never again', async () => {
  await operator('POST', '/orgs', 201, { id: 'secret-org', name: markerOrgName, homeJurisdiction: 'DE' });
  await operator('POST', '/orgs/secret-org/projects', 201, { id: 'secret-project', name: 'Secret project' });
  const projectKey = (
    await operator('POST', '/orgs/secret-org/keys', 201, { role: 'project', projectId: 'secret-project' })
  ).body;
  const adminKey = (await operator('POST', '/orgs/secret-org/keys', 201, { role: 'org_admin' })).body;
  // An org admin creates a key too: its answer carries the secret the same way.
  const deputyAnswer = await callAdmin(platform.url, 'POST', '/admin/v1/orgs/secret-org/keys', {
    token: adminKey.secret,
    body: { role: 'org_admin', name: 'deputy' },
  });
  assert.equal(deputyAnswer.status, 201, JSON.stringify(deputyAnswer.body));
  const deputyKey = deputyAnswer.body;
  const keys = [projectKey, adminKey, deputyKey];

  for (const key of keys) {
    assert.match(key.secret, /^cw_live_[A-Za-z0-9]{43}$/);
    assert.match(key.prefix, /^cw_live_[A-Za-z0-9]{4}$/);
    assert.ok(key.secret.startsWith(key.prefix));
    assert.ok(!Object.hasOwn(key, 'secretHash'));
    keySecrets.push(key.secret);
  }
  assert.equal(new Set(keySecrets).size, keySecrets.length, 'every key gets its own secret');

  const answers: [string, JsonAnswer][] = [
    ['list', await operator('GET', '/orgs/secret-org/keys', 200)],
    ['list by project', await operator('GET', '/orgs/secret-org/keys?projectId=secret-project', 200)],
    [
      'list as org admin',
      await callAdmin(platform.url, 'GET', '/admin/v1/orgs/secret-org/keys', { token: adminKey.secret }),
    ],
  ];
  for (const key of keys) {
    answers.push([`get ${key.id}`, await operator('GET', `/orgs/secret-org/keys/${key.id}`, 200)]);
    answers.push([
      `get ${key.id} as org admin`,
      await callAdmin(platform.url, 'GET', `/admin/v1/orgs/secret-org/keys/${key.id}`, { token: adminKey.secret }),
    ]);
  }
  answers.push(['revoke', await operator('DELETE', `/orgs/secret-org/keys/${deputyKey.id}`, 200)]);
  for (const [label, answer] of answers) {
    assert.equal(answer.status, 200, label);
    assertHidesSecrets(answer, keySecrets, label);
  }
  // The prefix is what lists show to recognise a key.
  const listed = answers[0]![1].body.data as { id: string; prefix: string }[];
  for (const key of keys) assert.equal(listed.find((item) => item.id === key.id)?.prefix, key.prefix);
});

test("a deployment's upstream API key is written but never read back", async () => {
  await operator('POST', '/models', 201, { id: 'secret-model', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 });
  await operator('POST', '/sites', 201, { id: 'secret-site', name: 'Secret site', jurisdiction: 'DE' });
  const body = {
    id: 'secret-dep',
    modelId: 'secret-model',
    siteId: 'secret-site',
    kind: 'openai',
    baseUrl: 'http://10.9.9.9:8000/v1',
    upstreamApiKey: upstreamSecret,
  };
  const created = await operator('POST', '/deployments', 201, body);
  assert.equal(created.body.hasUpstreamApiKey, true);

  const secrets = [upstreamSecret, upstreamSecretRotated];
  const answers: [string, JsonAnswer][] = [
    ['create', created],
    ['get', await operator('GET', '/deployments/secret-dep', 200)],
    ['list', await operator('GET', '/deployments', 200)],
    ['patch weight', await operator('PATCH', '/deployments/secret-dep', 200, { weight: 3 })],
    ['rotate', await operator('PATCH', '/deployments/secret-dep', 200, { upstreamApiKey: upstreamSecretRotated })],
    ['get after rotation', await operator('GET', '/deployments/secret-dep', 200)],
  ];
  for (const [label, answer] of answers) {
    assertHidesSecrets(answer, secrets, label);
    if (label !== 'list') assert.equal(answer.body.hasUpstreamApiKey, true, label);
  }
  // Refusals must not echo the secret either.
  const duplicate = await callAdmin(platform.url, 'POST', '/admin/v1/deployments', { body });
  assertAdminError(duplicate, 409, 'already_exists');
  assertHidesSecrets(duplicate, secrets, 'duplicate');
  const unknown = await callAdmin(platform.url, 'POST', '/admin/v1/deployments', {
    body: { ...body, id: 'other-dep', siteId: 'ghost-site' },
  });
  assertAdminError(unknown, 400, 'invalid_request', 'siteId');
  assertHidesSecrets(unknown, secrets, 'missing site');

  // The key was stored, not dropped: the engine's path opens the rotated one.
  const opened = await new DeploymentRepository(platform.store, platform.secrets.secretBox).listAllWithSecrets();
  assert.equal(opened.find((item) => item.deployment.id === 'secret-dep')?.upstreamApiKey, upstreamSecretRotated);

  const cleared = await operator('PATCH', '/deployments/secret-dep', 200, { upstreamApiKey: null });
  assert.equal(cleared.body.hasUpstreamApiKey, false);
  // Set it again, so that the scan of the data directory below has a sealed secret to look past.
  await operator('PATCH', '/deployments/secret-dep', 200, { upstreamApiKey: upstreamSecretRotated });
});

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

test('no secret is stored in plaintext in the database or anywhere in the data directory', () => {
  assert.ok(keySecrets.length > 0, 'the key test ran first and created keys');
  const databaseFile = join(platform.dataDir, 'commonweal.sqlite');
  const databaseBytes = Buffer.concat(
    [databaseFile, `${databaseFile}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path)),
  );
  // The scan reads real rows: the organization's name is there, so the absences below mean something.
  assert.ok(databaseBytes.includes(markerOrgName), 'the database files hold the data written by the tests');
  assert.ok(databaseBytes.includes('http://10.9.9.9:8000/v1'));

  const secrets: [string, string][] = [
    ...keySecrets.map((secret, i): [string, string] => [`key secret ${i}`, secret]),
    ['upstream secret', upstreamSecret],
    ['rotated upstream secret', upstreamSecretRotated],
    ['admin token', testAdminToken],
  ];
  for (const [label, secret] of secrets)
    assert.ok(!databaseBytes.includes(secret), `${label} is in the database files`);

  const everyFile = filesUnder(platform.dataDir);
  assert.ok(everyFile.includes(databaseFile));
  for (const path of everyFile) {
    const bytes = readFileSync(path);
    for (const [label, secret] of secrets) assert.ok(!bytes.includes(secret), `${label} is in ${path}`);
  }
});

test('the secrets directory is private: the directory is 0700 and every file in it 0600', () => {
  const dir = join(platform.dataDir, 'secrets');
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const names = readdirSync(dir).sort();
  for (const expected of ['admin-token.sha256', 'audit-signing-key.pem', 'encryption.key'])
    assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
  for (const name of names) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
  // The admin token itself is never written, only its hash.
  assert.equal(readFileSync(join(dir, 'admin-token.sha256'), 'utf8').trim(), sha256Hex(testAdminToken));
});

const urlPassword = 'pw-in-url-5e6f7a8b9c';

test('a base URL with credentials is refused, pointing to the upstream API key', async () => {
  const baseUrl = `http://svc:${urlPassword}@10.9.9.8/v1`;
  const body = { id: 'url-cred-dep', modelId: 'secret-model', siteId: 'secret-site', kind: 'openai', baseUrl };
  const userOnly = { ...body, baseUrl: 'http://svc@10.9.9.8/v1' };
  const refusals: [string, JsonAnswer][] = [
    ['create', await callAdmin(platform.url, 'POST', '/admin/v1/deployments', { body })],
    ['user only', await callAdmin(platform.url, 'POST', '/admin/v1/deployments', { body: userOnly })],
    ['patch', await callAdmin(platform.url, 'PATCH', '/admin/v1/deployments/secret-dep', { body: { baseUrl } })],
  ];
  for (const [label, answer] of refusals) {
    assertAdminError(answer, 400, 'invalid_request', 'baseUrl');
    assert.match(answer.body.error.message, /upstreamApiKey \(--upstream-api-key in the CLI\)/, label);
    assertHidesSecrets(answer, [urlPassword], label);
  }
  await operator('GET', '/deployments/url-cred-dep', 404);
  assert.equal((await operator('GET', '/deployments/secret-dep', 200)).body.baseUrl, 'http://10.9.9.9:8000/v1');

  // The CLI prints the server's reason.
  const env = {
    COMMONWEAL_SERVER: platform.url,
    COMMONWEAL_ADMIN_TOKEN: testAdminToken,
    COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
  };
  const create = ['deployments', 'create', '--id', 'url-cred-cli', '--model', 'secret-model', '--site', 'secret-site'];
  const cli = await runCli([...create, '--base-url', baseUrl], env);
  assert.equal(cli.code, 1, cli.stdout);
  assert.match(cli.stderr, /must not contain credentials.*--upstream-api-key/);
  assert.ok(!cli.stderr.includes(urlPassword), cli.stderr);
});

test('a base URL with credentials stored by an earlier version is returned without them', async () => {
  const storedUrl = `http://svc:${urlPassword}@10.9.9.7:8000/v1`;
  const now = new Date().toISOString();
  await platform.store.db
    .insertInto('deployments')
    .values({
      ...{ id: 'old-cred-dep', modelId: 'secret-model', siteId: 'secret-site', kind: 'openai', baseUrl: storedUrl },
      ...{ source: null, engineOptions: null, upstreamModel: null, upstreamApiKeySealed: null, weight: 1, enabled: 1 },
      ...{ createdAt: now, updatedAt: now },
    })
    .execute();
  const answers: [string, JsonAnswer][] = [
    ['get', await operator('GET', '/deployments/old-cred-dep', 200)],
    ['list', await operator('GET', '/deployments', 200)],
    ['patch', await operator('PATCH', '/deployments/old-cred-dep', 200, { weight: 2 })],
  ];
  for (const [label, answer] of answers) assertHidesSecrets(answer, [urlPassword, 'svc:'], label);
  assert.equal(answers[0]![1].body.baseUrl, 'http://10.9.9.7:8000/v1');
  // The engine still gets the URL as stored, and refuses it, rather than calling the server without its
  // credentials.
  const opened = await new DeploymentRepository(platform.store, platform.secrets.secretBox).listAllWithSecrets();
  assert.equal(opened.find((item) => item.deployment.id === 'old-cred-dep')?.deployment.baseUrl, storedUrl);
  await operator('DELETE', '/deployments/old-cred-dep', 200);
});
