import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { loadServerConfig } from '../../src/config/index.js';
import { startPlatform } from '../../src/main.js';
import { callAdmin } from '../helpers/admin-client.js';
import { cliPath, exitOf, killServe, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { startTempPlatform, tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

/*
 * SQLite deletes a database's WAL file when its last connection closes cleanly, and
 * leaves it behind when a process ends with a connection still open. A data directory
 * without one after a failed start shows that every connection, the WAL checkpointer
 * worker's included, was closed.
 */
const databaseFile = 'commonweal.sqlite';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dataDirForTest(): string {
  const dataDir = tempDataDir();
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

async function occupyPort(): Promise<number> {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  return (blocker.address() as { port: number }).port;
}

// The timeout is what fails a server that hangs instead of exiting.
test('serve on a port already in use exits 1 with a message naming the port, its database closed', {
  timeout: 60_000,
}, async () => {
  const dataDir = dataDirForTest();
  const port = await occupyPort();
  const child = spawn(
    process.execPath,
    [cliPath, 'serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'],
    {
      env: { PATH: process.env.PATH ?? '', COMMONWEAL_ADMIN_TOKEN: testAdminToken },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const code = await exitOf(child);

  assert.equal(code, 1, stderr);
  assert.equal(
    stderr.trim(),
    `error: cannot listen on 127.0.0.1:${port}: the port is already in use; stop what listens there or choose another with --port`,
  );
  assert.ok(existsSync(join(dataDir, databaseFile)), 'the store was opened before the port was tried');
  assert.equal(
    existsSync(join(dataDir, `${databaseFile}-wal`)),
    false,
    'the database was closed before the process exited',
  );

  // The same data directory serves once a free port is given.
  let server: ServeProcess | undefined;
  cleanups.push(() => killServe(server));
  server = await spawnServe(['--data-dir', dataDir], { COMMONWEAL_ADMIN_TOKEN: testAdminToken });
  assert.equal((await callAdmin(server.url, 'GET', '/readyz', { token: null })).status, 200);
});

const firstStartTest = 'a first start that cannot listen keeps no admin token; the next start prints one';
test(firstStartTest, { timeout: 60_000 }, async () => {
  const dataDir = dataDirForTest();
  const port = await occupyPort();
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', String(port), '--data-dir', dataDir], {
    env: { PATH: process.env.PATH ?? '' },
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.resume();
  assert.equal(await exitOf(child), 1);
  assert.doesNotMatch(stdout, /cw_admin_/, 'a start that failed printed a token');
  assert.ok(existsSync(join(dataDir, 'secrets')), 'the failed start got as far as the secrets');
  assert.equal(existsSync(join(dataDir, 'secrets', 'admin-token.sha256')), false, 'no hash of an unseen token is kept');

  let server: ServeProcess | undefined;
  cleanups.push(() => killServe(server));
  server = await spawnServe(['--data-dir', dataDir]);
  // The announcement follows the address line: wait until the token and the recovery line are both out.
  while (!server.output().includes('admin-token reset')) await new Promise((resolve) => setTimeout(resolve, 20));
  const token = /(cw_admin_[A-Za-z0-9]+)/.exec(server.output())?.[1];
  assert.ok(token, server.output());
  assert.equal((await callAdmin(server.url, 'GET', '/admin/v1/orgs', { token })).status, 200);
  assert.ok(server.output().includes(`commonweal admin-token reset --data-dir ${dataDir}`), server.output());
});

test('a start that fails after the store opened closes everything it opened before rethrowing', async () => {
  const dataDir = dataDirForTest();
  const first = await startTempPlatform(dataDir);
  const rule = { id: 'no-cn', effect: 'deny', match: { siteJurisdictions: { in: ['CN'] } }, reason: 'test' };
  assert.equal((await callAdmin(first.url, 'POST', '/admin/v1/policy/rules', { body: rule })).status, 201);
  await first.close();
  // A record the policy cannot be loaded from makes startup fail after the store, the
  // writer, the engine runtime and the deployment registry are open.
  const sqlite = new BetterSqlite3(join(dataDir, databaseFile));
  sqlite.prepare("update policy_rules set match = 'not json' where id = 'no-cn'").run();
  sqlite.close();

  const config = loadServerConfig({ dataDir, port: 0, logLevel: 'silent' }, { COMMONWEAL_ADMIN_TOKEN: testAdminToken });
  await assert.rejects(startPlatform(config), SyntaxError);
  assert.equal(existsSync(join(dataDir, `${databaseFile}-wal`)), false, 'every connection to the database was closed');
  // No connection is left in this process either: leaving WAL mode needs the database to itself.
  const check = new BetterSqlite3(join(dataDir, databaseFile));
  cleanups.push(() => {
    check.close();
  });
  assert.equal(check.pragma('journal_mode = DELETE', { simple: true }), 'delete');
});
