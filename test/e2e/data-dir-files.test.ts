import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmodSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { callAdmin } from '../helpers/admin-client.js';
import { cliPath, exitOf, type ServeProcess, whenListening } from '../helpers/spawn-cli.js';
import { tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

const dataDir = tempDataDir();
const children: ChildProcessWithoutNullStreams[] = [];
after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** `commonweal serve` started by a shell with umask 000, so that any file created without an explicit mode is 0666. */
function serveWithOpenUmask(): Promise<ServeProcess> {
  const serve = [cliPath, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'];
  const child = spawn('sh', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, ...serve], {
    env: { PATH: process.env.PATH ?? '', COMMONWEAL_ADMIN_TOKEN: testAdminToken },
  });
  children.push(child);
  return whenListening(child);
}

async function stop(server: ServeProcess): Promise<void> {
  server.child.kill('SIGTERM');
  assert.equal(await exitOf(server.child), 0, server.output());
}

/** The mode of every file and folder under the data directory, by path relative to it. */
function modesUnder(dir: string, prefix = ''): Map<string, number> {
  const modes = new Map<string, number>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    modes.set(prefix + entry.name, statSync(path).mode & 0o777);
    if (!entry.isDirectory()) continue;
    for (const [name, mode] of modesUnder(path, `${prefix}${entry.name}/`)) modes.set(name, mode);
  }
  return modes;
}

function assertPrivate(label: string): void {
  const modes = modesUnder(dataDir);
  for (const name of ['commonweal.sqlite', 'secrets/admin-token.sha256', 'secrets/encryption.key']) {
    assert.ok(modes.has(name), `${label}: ${name} in ${[...modes.keys()].join(', ')}`);
  }
  for (const [name, mode] of modes) {
    const expected = statSync(join(dataDir, name)).isDirectory() ? 0o700 : 0o600;
    assert.equal(mode.toString(8), expected.toString(8), `${label}: ${name}`);
  }
}

test('in an existing data directory every file is 0600 whatever the umask; an open one is warned about', async () => {
  // As `mkdir -p` under the usual umask 022 leaves it.
  chmodSync(dataDir, 0o755);
  const first = await serveWithOpenUmask();
  const org = { id: 'files-org', name: 'Files', homeJurisdiction: 'DE' };
  assert.equal((await callAdmin(first.url, 'POST', '/admin/v1/orgs', { body: org })).status, 201);
  // While the server runs, the WAL and shared-memory files exist beside the database.
  const running = modesUnder(dataDir);
  const names = [...running.keys()].join(', ');
  assert.ok(running.has('commonweal.sqlite-wal') && running.has('commonweal.sqlite-shm'), names);
  assertPrivate('while serving');
  assert.ok(first.output().includes(`to close it: chmod 700 ${dataDir}`), first.output());
  await stop(first);
  assertPrivate('after a stop');
  assert.equal(statSync(dataDir).mode & 0o777, 0o755, "the operator's directory is left as it was");

  // A database an earlier version left readable is narrowed at the next start; a closed directory gets no
  // warning.
  chmodSync(join(dataDir, 'commonweal.sqlite'), 0o644);
  chmodSync(dataDir, 0o700);
  const second = await serveWithOpenUmask();
  assert.equal((await callAdmin(second.url, 'GET', '/admin/v1/orgs/files-org')).status, 200);
  assertPrivate('after a restart');
  assert.ok(!second.output().includes('chmod 700'), second.output());
  await stop(second);
});
