import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { request } from 'undici';
import { exitOf, killServe, runCli, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { startTempPlatform, tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

const dataDir = tempDataDir();
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('serve prints a generated admin token once; init then keys list work against it; SIGTERM stops it cleanly', async () => {
  const first = await spawnServe(['--data-dir', dataDir]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const token = /(cw_admin_[A-Za-z0-9]+)/.exec(first.output())?.[1];
  assert.ok(token, `no admin token printed: ${first.output()}`);
  const env = {
    COMMONWEAL_ADMIN_TOKEN: token,
    COMMONWEAL_SERVER: first.url,
    COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
  };

  const init = await runCli(['init', '--org-id', 'agency', '--home-jurisdiction', 'FR'], env);
  assert.equal(init.code, 0, init.stderr);
  const secret = /(cw_live_[A-Za-z0-9]+)/.exec(init.stdout)?.[1];
  assert.ok(secret, init.stdout);

  const list = await runCli(['keys', 'list', '--org', 'agency'], env);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^ID\s+PREFIX\s+ROLE/m);
  assert.ok(list.stdout.includes(secret.slice(0, 12)), 'the visible prefix is listed');
  assert.ok(!list.stdout.includes(secret), 'the secret itself is never listed again');

  const json = await runCli(['keys', 'list', '--org', 'agency', '--json'], env);
  const keys = JSON.parse(json.stdout) as { projectId: string; role: string }[];
  assert.deepEqual(
    keys.map((k) => [k.projectId, k.role]),
    [['default', 'project']],
  );

  first.child.kill('SIGTERM');
  assert.equal(await exitOf(first.child), 0);

  const second = await spawnServe(['--data-dir', dataDir]);
  assert.doesNotMatch(second.output(), /cw_admin_/, 'a second start reuses the token and prints none');
  const again = await runCli(['orgs', 'get', 'agency', '--server', second.url], { ...env, COMMONWEAL_SERVER: '' });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /homeJurisdiction\s+FR/);
  second.child.kill('SIGINT');
  assert.equal(await exitOf(second.child), 0);
});

test('init prints its key once with how to use it; a second init creates nothing; a failed one leaves nothing behind', async () => {
  const initDir = tempDataDir();
  let server: ServeProcess | undefined;
  try {
    server = await spawnServe(['--data-dir', initDir], { COMMONWEAL_ADMIN_TOKEN: testAdminToken });
    const env = {
      COMMONWEAL_ADMIN_TOKEN: testAdminToken,
      COMMONWEAL_SERVER: server.url,
      COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
    };
    const listJson = async (resource: string, ...args: string[]) => {
      const list = await runCli([resource, 'list', ...args, '--json'], env);
      assert.equal(list.code, 0, list.stderr);
      return JSON.parse(list.stdout) as { id: string }[];
    };

    const init = await runCli(['init'], env);
    assert.equal(init.code, 0, init.stderr);
    const lines = init.stdout.trimEnd().split('\n');
    const keyId = /^Created organization "default", project "default" and key "(key_\w+)"\.$/.exec(lines[0]!)?.[1];
    assert.ok(keyId, init.stdout);
    assert.equal(lines[2], 'Your API key (shown once, store it now):');
    const secret = /^ {4}(cw_live_[A-Za-z0-9]+)$/.exec(lines[3]!)?.[1];
    assert.ok(secret, init.stdout);
    assert.ok(lines.includes(`    curl ${server.url}/v1/models -H "Authorization: Bearer ${secret}"`), init.stdout);
    assert.ok(lines.includes(`    OPENAI_BASE_URL=${server.url}/v1 OPENAI_API_KEY=${secret}`), init.stdout);
    assert.equal(lines.at(-1), '    commonweal credits add --org default --amount 1000 --id welcome-credits');
    // The key shown is the one created, and it calls the API.
    const models = await request(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(models.statusCode, 200, await models.body.text());
    const keysListed = await runCli(['keys', 'list', '--org', 'default', '--json'], env);
    assert.deepEqual(
      (JSON.parse(keysListed.stdout) as { id: string }[]).map((k) => k.id),
      [keyId],
    );
    assert.ok(!keysListed.stdout.includes(secret), 'the secret is never shown again');

    const again = await runCli(['init'], env);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.equal(
      again.stderr.trim(),
      'error: organization "default" exists already, so init created nothing. For another key in its project: ' +
        'commonweal keys create --org default --project default; for a new organization: commonweal init --org-id <id>',
    );
    assert.deepEqual(
      (await listJson('orgs')).map((o) => o.id),
      ['default'],
    );
    assert.deepEqual(
      (await listJson('projects', '--org', 'default')).map((p) => p.id),
      ['default'],
    );
    assert.deepEqual(
      (await listJson('keys', '--org', 'default')).map((k) => k.id),
      [keyId],
    );

    // A project the server refuses undoes the organization created before it, so the corrected init succeeds.
    const refused = await runCli(['init', '--org-id', 'second', '--project-id', 'not valid!'], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: 400 invalid_request: id must be an id of 1 to 64 letters, digits/);
    assert.deepEqual(
      (await listJson('orgs')).map((o) => o.id),
      ['default'],
    );
    const retried = await runCli(['init', '--org-id', 'second', '--json'], env);
    assert.equal(retried.code, 0, retried.stderr);
    const records = JSON.parse(retried.stdout) as {
      organization: { id: string };
      project: { id: string };
      key: { secret: string };
    };
    assert.deepEqual([records.organization.id, records.project.id], ['second', 'default']);
    assert.match(records.key.secret, /^cw_live_/);
  } finally {
    await killServe(server);
    rmSync(initDir, { recursive: true, force: true });
  }
});

test('CLI errors are one clear line, not a stack trace', async () => {
  const unreachable = await runCli(['orgs', 'list'], {
    COMMONWEAL_SERVER: 'http://127.0.0.1:9',
    COMMONWEAL_ADMIN_TOKEN: 'x'.repeat(30),
    COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
  });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /^error: cannot reach the server at http:\/\/127\.0\.0\.1:9/);
  assert.doesNotMatch(unreachable.stderr, /\n\s+at /);

  const noToken = await runCli(['orgs', 'list'], {
    COMMONWEAL_ADMIN_TOKEN: '',
    COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
  });
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /no admin token/);

  const missingOption = await runCli(['sites', 'create', '--id', 'x']);
  assert.notEqual(missingOption.code, 0);
  assert.match(missingOption.stderr, /required option/);
});

test('every command has --help', async () => {
  for (const args of [
    [],
    ['serve'],
    ['init'],
    ['orgs'],
    ['keys', 'create'],
    ['deployments', 'update'],
    ['sites', 'list'],
  ]) {
    const help = await runCli([...args, '--help']);
    assert.equal(help.code, 0, `${args.join(' ')} --help failed`);
    assert.match(help.stdout, /^Usage: commonweal/m);
  }
  assert.match((await runCli(['keys', 'create', '--help'])).stdout, /^create an API key$/m);
  assert.match((await runCli(['sites', 'create', '--help'])).stdout, /^create a site$/m);
});

test('"none" clears an optional field: sites update --region none sets it to null', async () => {
  const platform = await startTempPlatform();
  const env = {
    COMMONWEAL_SERVER: platform.url,
    COMMONWEAL_ADMIN_TOKEN: testAdminToken,
    COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
  };
  try {
    const site = ['--id', 'fra-1', '--name', 'Frankfurt', '--jurisdiction', 'DE', '--region', 'Hesse'];
    const created = await runCli(['sites', 'create', ...site], env);
    assert.equal(created.code, 0, created.stderr);
    const cleared = await runCli(['sites', 'update', 'fra-1', '--region', 'none', '--json'], env);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal(JSON.parse(cleared.stdout).region, null);
  } finally {
    await platform.dispose();
  }
});

test('a value of the wrong form is refused in words, not with a regular expression', async () => {
  const platform = await startTempPlatform();
  const env = {
    COMMONWEAL_SERVER: platform.url,
    COMMONWEAL_ADMIN_TOKEN: testAdminToken,
    COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
  };
  try {
    const site = await runCli(['sites', 'create', '--id', 'fra-1', '--name', 'Fra', '--jurisdiction', 'Germany'], env);
    assert.equal(site.code, 1);
    assert.equal(
      site.stderr.trim(),
      'error: 400 invalid_request: jurisdiction must be an ISO 3166-1 alpha-2 country code in capitals, such as DE',
    );
    const statement = await runCli(['credits', 'statement', '--org', 'any', '--since', 'yesterday'], env);
    assert.equal(statement.code, 1);
    assert.match(statement.stderr, /^error: 400 invalid_request: querystring\.since must be an ISO 8601 date such as/);
  } finally {
    await platform.dispose();
  }
});
