import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { sha256Hex } from '../../src/secrets/index.js';
import { callAdmin } from '../helpers/admin-client.js';
import { exitOf, killServe, runCli, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { tempDataDir } from '../helpers/temp-platform.js';

const dataDir = tempDataDir();
let server: ServeProcess | undefined;
afterEach(() => killServe(server));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const tokenPattern = /(cw_admin_[A-Za-z0-9]{40})/;

async function reset(): Promise<string> {
  const result = await runCli(['admin-token', 'reset', '--data-dir', dataDir]);
  assert.equal(result.code, 0, result.stderr);
  const token = tokenPattern.exec(result.stdout)?.[1];
  assert.ok(token, result.stdout);
  assert.match(result.stdout, /keeps accepting the old token until it is restarted/);
  return token;
}

async function status(token: string): Promise<number> {
  assert.ok(server);
  return (await callAdmin(server.url, 'GET', '/admin/v1/orgs', { token })).status;
}

async function stopServer(): Promise<void> {
  assert.ok(server);
  server.child.kill('SIGTERM');
  assert.equal(await exitOf(server.child), 0);
}

test('admin-token reset refuses a directory no server has used', async () => {
  const result = await runCli(['admin-token', 'reset', '--data-dir', join(dataDir, 'typo')]);
  assert.equal(result.code, 1);
  assert.equal(result.stderr.trim(), `error: no Commonweal data directory at ${join(dataDir, 'typo')} (--data-dir)`);
});

test('admin-token reset replaces a lost token; a running server keeps the old one until it restarts', async () => {
  server = await spawnServe(['--data-dir', dataDir]);
  while (!tokenPattern.test(server.output())) await new Promise((resolve) => setTimeout(resolve, 20));
  const lost = tokenPattern.exec(server.output())![1]!;

  const second = await reset();
  const hashFile = join(dataDir, 'secrets', 'admin-token.sha256');
  assert.equal(readFileSync(hashFile, 'utf8'), sha256Hex(second));
  assert.equal(statSync(hashFile).mode & 0o777, 0o600);
  assert.equal(await status(lost), 200, 'the running server still knows only the token it started with');
  assert.equal(await status(second), 401);
  await stopServer();

  server = await spawnServe(['--data-dir', dataDir]);
  assert.equal(await status(second), 200);
  assert.equal(await status(lost), 401);
  await stopServer();
  assert.doesNotMatch(server.output(), /cw_admin_/, 'a start with a stored hash prints no token');

  // With the server stopped, as when its token is lost for good.
  const third = await reset();
  server = await spawnServe(['--data-dir', dataDir]);
  assert.equal(await status(third), 200);
  assert.equal(await status(second), 401);
});
