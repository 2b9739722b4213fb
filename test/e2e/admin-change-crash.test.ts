import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openReadOnlySqliteStore } from '../../src/store/index.js';
import { callAdmin } from '../helpers/admin-client.js';
import { killMidLoad } from '../helpers/kill-mid-load.js';
import { killServe, runCli, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

/*
 * An admin change and its transparency-log leaf commit in one transaction, so no crash
 * can leave one without the other. Changes of three kinds are made concurrently through
 * the admin API and the server is killed with SIGKILL while many are in flight; what the
 * store then holds must match, record for record, the leaves that say it was created.
 */

const changes = 240;
/** The server is killed once this many changes have been acknowledged, with the rest in flight. */
const acknowledgedBeforeKill = 40;
const staggerMs = 1;
const guardMs = 15_000;
const kinds = [
  {
    resource: 'site',
    table: 'sites',
    path: '/admin/v1/sites',
    body: (id: string) => ({ id, name: id, jurisdiction: 'DE' }),
  },
  {
    resource: 'model',
    table: 'models',
    path: '/admin/v1/models',
    body: (id: string) => ({ id, inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 }),
  },
  {
    resource: 'organization',
    table: 'organizations',
    path: '/admin/v1/orgs',
    body: (id: string) => ({ id, name: id, homeJurisdiction: 'DE' }),
  },
] as const;

const dataDir = tempDataDir();
let server: ServeProcess | undefined;
after(async () => {
  await killServe(server);
  rmSync(dataDir, { recursive: true, force: true });
});

interface Outcome {
  readonly resource: string;
  readonly id: string;
  readonly acknowledged: boolean;
}

async function fire(url: string, index: number): Promise<Outcome> {
  const kind = kinds[index % kinds.length]!;
  const id = `crash-${index}`;
  try {
    const answer = await callAdmin(url, 'POST', kind.path, { body: kind.body(id) });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return { resource: kind.resource, id, acknowledged: true };
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    // The server died under this change: the connection broke before an answer.
    return { resource: kind.resource, id, acknowledged: false };
  }
}

/** The ids of every record the admin-change leaves say was created, by resource. */
function createdByLeaves(entries: readonly string[]): Map<string, Set<string>> {
  const created = new Map<string, Set<string>>(kinds.map((kind) => [kind.resource, new Set<string>()]));
  for (const text of entries) {
    const entry = JSON.parse(text) as { type: string; action: string; resource: string; resourceId: string };
    if (entry.type === 'commonweal.admin_change' && entry.action === 'create')
      created.get(entry.resource)?.add(entry.resourceId);
  }
  return created;
}

test('after SIGKILL amid admin changes, every stored change has its leaf and every leaf its change', async (t) => {
  server = await spawnServe(['--data-dir', dataDir], { COMMONWEAL_ADMIN_TOKEN: testAdminToken });
  let acknowledgedCount = 0;
  const outcomes = await killMidLoad(server, {
    requests: changes,
    staggerMs,
    guardMs,
    fire: (index) => fire(server!.url, index),
    enough: (outcome) => (acknowledgedCount += outcome.acknowledged ? 1 : 0) >= acknowledgedBeforeKill,
  });
  const cutOff = outcomes.filter((outcome) => !outcome.acknowledged).length;
  assert.ok(cutOff > 0, 'the kill came with changes in flight');

  const verified = await runCli(['audit', 'verify', '--data-dir', dataDir, '--json']);
  assert.deepEqual(JSON.parse(verified.stdout).problems, [], verified.stdout);
  const store = openReadOnlySqliteStore(join(dataDir, 'commonweal.sqlite'));
  try {
    const leaves = createdByLeaves(
      (await store.db.selectFrom('auditLeaves').select('entry').execute()).map((row) => row.entry),
    );
    for (const kind of kinds) {
      const rows = await store.db.selectFrom(kind.table).select('id').where('id', 'like', 'crash-%').execute();
      const stored = new Set(rows.map((row) => row.id));
      assert.deepEqual(
        stored,
        leaves.get(kind.resource),
        `${kind.resource}: the records stored are exactly those with a leaf`,
      );
      for (const outcome of outcomes) {
        if (outcome.acknowledged && outcome.resource === kind.resource)
          assert.ok(stored.has(outcome.id), `${outcome.id} was acknowledged`);
      }
    }
    t.diagnostic(`${outcomes.length - cutOff} changes acknowledged, ${cutOff} cut off by the kill`);
  } finally {
    await store.close();
  }
});
