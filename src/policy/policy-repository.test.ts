import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { requireService } from '../../test/helpers/require-service.js';
import { createTempPostgresDatabase, postgresService } from '../../test/helpers/temp-postgres-database.js';
import { CommonwealError } from '../errors/index.js';
import { openPostgresStore, openSqliteStore, type Store } from '../store/index.js';
import { writeOnce } from '../../test/helpers/write-once.js';
import { PolicyRepository } from './policy-repository.js';
import type { PolicyChange, PolicyChangeRecord, PolicyRuleInput } from './policy-change.js';
import { toResidencyPolicy } from './residency-policy.js';

const euOnly = toResidencyPolicy({ allowedJurisdictions: ['EU'] });
const frOnly = toResidencyPolicy({ allowedJurisdictions: ['FR'] });

function ruleInput(id: string, siteJurisdictions: readonly string[] = ['CN']): PolicyRuleInput {
  return {
    id,
    effect: 'deny',
    match: { siteJurisdictions: { in: siteJurisdictions } },
    reason: `no ${id}`,
    reference: null,
  };
}

/** Saves `change` in a transaction of its own, as the admin API's job does in a shared one. */
function save(store: Store, change: PolicyChange, actor: string): Promise<PolicyChangeRecord> {
  return writeOnce(store, (tx) => new PolicyRepository(store).save(tx, change, actor));
}

function isCode(code: string) {
  return (error: unknown) => error instanceof CommonwealError && error.code === code;
}

/** `replicas`: whether two stores may write the same database at once (PostgreSQL; SQLite is one process's). */
async function runContract(t: TestContext, open: () => Promise<Store>, replicas: boolean): Promise<void> {
  await t.test('versions every change and records who, when, before and after', async () => {
    const store = await open();
    try {
      const repository = new PolicyRepository(store);
      assert.equal((await repository.load()).version, 0);
      const first = await save(
        store,
        { kind: 'organization_policy', organizationId: 'acme', policy: euOnly },
        'operator',
      );
      const second = await save(
        store,
        { kind: 'organization_policy', organizationId: 'acme', policy: frOnly },
        'org_admin:key_1',
      );
      assert.deepEqual([first.version, first.before, first.after, first.actor], [1, null, euOnly, 'operator']);
      assert.deepEqual(
        [second.version, second.before, second.after, second.actor, second.organizationId],
        [2, euOnly, frOnly, 'org_admin:key_1', 'acme'],
      );
      assert.match(second.createdAt, /^\d{4}-\d{2}-\d{2}T/);
      const state = await repository.load();
      assert.equal(state.version, 2);
      assert.deepEqual(state.organizationPolicies.get('acme')?.policy, frOnly);
      assert.equal(state.organizationPolicies.get('acme')?.version, 2);
      const listed = await repository.changes({}, { limit: 10 });
      assert.deepEqual(
        listed.data.map((c) => [c.id, c.kind, c.subjectId]),
        [
          ['1', 'organization_policy', 'acme'],
          ['2', 'organization_policy', 'acme'],
        ],
      );
    } finally {
      await store.close();
    }
  });

  await t.test('a refused change leaves no version, no record and no trace', async () => {
    const store = await open();
    try {
      const repository = new PolicyRepository(store);
      await assert.rejects(
        save(
          store,
          {
            kind: 'organization_policy',
            organizationId: 'acme',
            policy: toResidencyPolicy({ allowedJurisdictions: ['XX'] }),
          },
          'operator',
        ),
        isCode('invalid_request'),
      );
      await assert.rejects(save(store, { kind: 'rule_removal', ruleId: 'absent' }, 'operator'), isCode('not_found'));
      const state = await repository.load();
      assert.deepEqual([state.version, state.organizationPolicies.size], [0, 0]);
      assert.deepEqual((await repository.changes({}, { limit: 10 })).data, []);
      assert.equal(
        (await save(store, { kind: 'organization_policy', organizationId: 'acme', policy: euOnly }, 'operator'))
          .version,
        1,
      );
    } finally {
      await store.close();
    }
  });

  await t.test('keeps rules in order through inserts, moves and removals', async () => {
    const store = await open();
    try {
      const repository = new PolicyRepository(store);
      for (const id of ['a', 'b', 'c']) await save(store, { kind: 'rule', rule: ruleInput(id) }, 'operator');
      await save(store, { kind: 'rule', rule: ruleInput('d'), position: 1 }, 'operator');
      await save(store, { kind: 'rule', rule: ruleInput('c', ['RU']), position: 0 }, 'operator');
      await save(store, { kind: 'rule_removal', ruleId: 'a' }, 'operator');
      const { rules, version } = await repository.load();
      assert.deepEqual(
        rules.map((r) => [r.id, r.position]),
        [
          ['c', 0],
          ['d', 1],
          ['b', 2],
        ],
      );
      assert.deepEqual(rules[0]!.match, { siteJurisdictions: { in: ['RU'] } });
      assert.equal(version, 6);
      await assert.rejects(
        save(store, { kind: 'rule', rule: ruleInput('e'), position: 4 }, 'operator'),
        /position must be from 0 to 3/,
      );
    } finally {
      await store.close();
    }
  });

  await t.test('keeps groups, projects and their history apart by organization', async () => {
    const store = await open();
    try {
      const repository = new PolicyRepository(store);
      await save(
        store,
        {
          kind: 'jurisdiction_group',
          group: { id: 'NORDICS', name: 'Nordics', members: ['DK', 'FI', 'IS', 'NO', 'SE'] },
        },
        'operator',
      );
      await save(
        store,
        { kind: 'jurisdiction_group', group: { id: 'PARTNERS', name: 'Partners', members: ['NORDICS', 'CH'] } },
        'operator',
      );
      await save(
        store,
        {
          kind: 'project_policy',
          organizationId: 'acme',
          projectId: 'main',
          policy: toResidencyPolicy({ allowedJurisdictions: ['PARTNERS'] }),
        },
        'operator',
      );
      await save(store, { kind: 'organization_policy', organizationId: 'globex', policy: euOnly }, 'operator');
      await assert.rejects(
        save(store, { kind: 'jurisdiction_group_removal', groupId: 'NORDICS' }, 'operator'),
        /still named by group PARTNERS/,
      );
      await assert.rejects(
        save(store, { kind: 'jurisdiction_group_removal', groupId: 'PARTNERS' }, 'operator'),
        /still named by the policy of project "main"/,
      );
      await save(
        store,
        { kind: 'project_policy', organizationId: 'acme', projectId: 'main', policy: null },
        'operator',
      );
      await save(store, { kind: 'jurisdiction_group_removal', groupId: 'PARTNERS' }, 'operator');
      const state = await repository.load();
      assert.deepEqual([...state.groups.keys()], ['NORDICS']);
      assert.equal(state.projectPolicies.size, 0);
      const acme = await repository.changes({ organizationId: 'acme' }, { limit: 10 });
      assert.deepEqual(
        acme.data.map((c) => [c.subjectId, c.after === null]),
        [
          ['acme/main', false],
          ['acme/main', true],
        ],
      );
      const page = await repository.changes({}, { limit: 2, after: '2' });
      assert.deepEqual(
        page.data.map((c) => c.version),
        [3, 4],
      );
      assert.equal(page.has_more, true);
    } finally {
      await store.close();
    }
  });

  await t.test('gives concurrent writers distinct versions without gaps', async () => {
    const first = await open();
    const second = replicas ? await open() : first;
    try {
      const stores = [first, second];
      const records = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          save(stores[i % 2]!, { kind: 'rule', rule: ruleInput(`r${i}`) }, 'operator'),
        ),
      );
      assert.deepEqual(
        records.map((r) => r.version).sort((a, b) => a - b),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      const { rules } = await new PolicyRepository(first).load();
      assert.equal(rules.length, 12);
      assert.deepEqual(
        rules.map((r) => r.position),
        Array.from({ length: 12 }, (_, i) => i),
      );
    } finally {
      await Promise.all(Array.from(new Set([first, second]), (store) => store.close()));
    }
  });
}

test('policy repository on SQLite', async (t) => {
  const dirs: string[] = [];
  const open = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-policy-'));
    dirs.push(dir);
    return openSqliteStore(join(dir, 'db.sqlite'));
  };
  try {
    await runContract(t, open, false);
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
});

test('policy repository on PostgreSQL', async (t) => {
  if (!(await requireService(t, postgresService))) return;
  let database = await createTempPostgresDatabase();
  const dropped: Promise<void>[] = [];
  t.beforeEach(async () => {
    dropped.push(database.drop());
    database = await createTempPostgresDatabase();
  });
  try {
    await runContract(t, () => openPostgresStore(database.url), true);
  } finally {
    await Promise.all([...dropped, database.drop()]);
  }
});
