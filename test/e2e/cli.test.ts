import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { exitOf, runCli, spawnServe } from '../helpers/spawn-cli.js';
import { tempDataDir } from '../helpers/temp-platform.js';

const dataDir = tempDataDir();
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('serve prints a generated admin token once; init then keys list work against it; SIGTERM stops it cleanly', async () => {
  const first = await spawnServe(['--data-dir', dataDir]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const token = /(cw_admin_[A-Za-z0-9]+)/.exec(first.output())?.[1];
  assert.ok(token, `no admin token printed: ${first.output()}`);
  const env = { COMMONWEAL_ADMIN_TOKEN: token, COMMONWEAL_SERVER: first.url, COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json' };

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
  assert.deepEqual(keys.map((k) => [k.projectId, k.role]), [['default', 'project']]);

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

test('CLI errors are one clear line, not a stack trace', async () => {
  const unreachable = await runCli(['orgs', 'list'], {
    COMMONWEAL_SERVER: 'http://127.0.0.1:9',
    COMMONWEAL_ADMIN_TOKEN: 'x'.repeat(30),
    COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
  });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /^error: cannot reach the server at http:\/\/127\.0\.0\.1:9/);
  assert.doesNotMatch(unreachable.stderr, /\n\s+at /);

  const noToken = await runCli(['orgs', 'list'], { COMMONWEAL_ADMIN_TOKEN: '', COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json' });
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /no admin token/);

  const missingOption = await runCli(['sites', 'create', '--id', 'x']);
  assert.notEqual(missingOption.code, 0);
  assert.match(missingOption.stderr, /required option/);
});

test('every command has --help', async () => {
  for (const args of [[], ['serve'], ['init'], ['orgs'], ['keys', 'create'], ['deployments', 'update'], ['sites', 'list']]) {
    const help = await runCli([...args, '--help']);
    assert.equal(help.code, 0, `${args.join(' ')} --help failed`);
    assert.match(help.stdout, /^Usage: commonweal/m);
  }
});
