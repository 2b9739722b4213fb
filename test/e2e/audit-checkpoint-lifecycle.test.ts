import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { callAdmin } from '../helpers/admin-client.js';
import { exitOf, killServe, runCli, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

const dataDir = tempDataDir();
// No interval checkpoint falls inside the test: what is signed is signed at start or at shutdown.
const configFile = join(dataDir, 'test-config.json');
writeFileSync(configFile, JSON.stringify({ audit: { checkpointIntervalMs: 600_000 } }));
let server: ServeProcess | undefined;
afterEach(() => killServe(server));
after(() => rmSync(dataDir, { recursive: true, force: true }));

interface VerifyReport {
  readonly leaves: number;
  readonly latestCheckpoint?: { readonly size: number };
  readonly problems: readonly string[];
}

async function verify(): Promise<{ code: number; report: VerifyReport }> {
  const result = await runCli(['audit', 'verify', '--data-dir', dataDir, '--json']);
  return { code: result.code, report: JSON.parse(result.stdout) as VerifyReport };
}

async function start(): Promise<string> {
  const env = { COMMONWEAL_ADMIN_TOKEN: testAdminToken };
  server = await spawnServe(['--data-dir', dataDir, '--config', configFile], env);
  return server.url;
}

async function createOrg(url: string, id: string): Promise<void> {
  const body = { id, name: id, homeJurisdiction: 'DE' };
  assert.equal((await callAdmin(url, 'POST', '/admin/v1/orgs', { body })).status, 201);
}

test('audit verify passes right after a start and after a graceful stop, the whole log signed', async () => {
  // A run killed after an admin change leaves leaves that no checkpoint covers.
  await createOrg(await start(), 'killed-run');
  await killServe(server);
  const killed = await verify();
  assert.ok(killed.report.leaves > 0);
  assert.ok((killed.report.latestCheckpoint?.size ?? 0) < killed.report.leaves, JSON.stringify(killed.report));

  const url = await start();
  const started = await verify();
  assert.equal(started.code, 0, JSON.stringify(started.report));
  assert.deepEqual(started.report.problems, []);
  assert.equal(started.report.latestCheckpoint?.size, started.report.leaves, 'the start signed every leaf');

  await createOrg(url, 'stopped-run');
  server!.child.kill('SIGTERM');
  assert.equal(await exitOf(server!.child), 0);
  const stopped = await verify();
  assert.equal(stopped.code, 0, JSON.stringify(stopped.report));
  assert.equal(stopped.report.leaves, started.report.leaves + 1);
  assert.equal(stopped.report.latestCheckpoint?.size, stopped.report.leaves, 'the shutdown signed every leaf');
});
