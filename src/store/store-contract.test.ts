import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type TestContext, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { requireService } from '../../test/helpers/require-service.js';
import { createTempPostgresDatabase, postgresService } from '../../test/helpers/temp-postgres-database.js';
import { usageInput, usageRecord } from '../../test/helpers/usage-input.js';
import { DeploymentRepository, ModelRepository, SiteRepository } from '../catalog/index.js';
import { CommonwealError } from '../errors/index.js';
import { type UsageRecord, UsageRepository } from '../metering/index.js';
import { TestUsageRecorder } from '../../test/helpers/test-usage-recorder.js';
import { writeOnce } from '../../test/helpers/write-once.js';
import { SecretBox } from '../secrets/index.js';
import { ApiKeyRepository, OrganizationRepository, ProjectRepository } from '../tenancy/index.js';
import { insertUnique } from './insert-unique.js';
import { migrateToLatest } from './migrate.js';
import { openPostgresStore } from './postgres-store.js';
import { openSqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';
import { GroupCommitWriter } from './group-commit-writer.js';
import { WriteTransaction } from './write-transaction.js';

/*
 * One contract, two stores: every module queries through the same Kysely code, so
 * whatever holds on SQLite must hold on PostgreSQL. The PostgreSQL half needs the server
 * at 127.0.0.1:5432 and skips without it, unless COMMONWEAL_REQUIRE_SERVICES=1.
 */

/** Opens another store on the same database: a restart, or a second replica. */
type OpenStore = () => Promise<Store>;

const now = '2025-03-01T12:00:00.000Z';
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Ids as clients may choose them, in an order no collation but a byte-wise one keeps. */
const mixedIds = [
  'b',
  'B',
  'a',
  'A',
  'aB',
  'Ab',
  'ab',
  'a1',
  'A1',
  '1a',
  '10',
  '9',
  'a-b',
  'a.b',
  'a_b',
  'Z',
  'z',
  'z9',
  'Z-9',
];

function sortedByCodeUnit(ids: readonly string[]): string[] {
  return [...ids].sort();
}

/** Follows `after` cursors to the end, with a bound so a paging bug fails instead of hanging. */
async function walk(
  list: (
    after: string | undefined,
  ) => Promise<{ data: readonly { id: string }[]; has_more: boolean; last_id: string | null }>,
) {
  const ids: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1_000; pages += 1) {
    const page = await list(after);
    ids.push(...page.data.map((item) => item.id));
    if (!page.has_more) return ids;
    after = page.last_id ?? undefined;
  }
  assert.fail('paging did not end within 1000 pages');
}

async function runContract(t: TestContext, open: OpenStore): Promise<void> {
  const store = await open();
  try {
    await t.test('migrates once: a second open and a second run find nothing to do', async () => {
      assert.deepEqual(await migrateToLatest(store.db, store.dialect), []);
      const again = await open();
      await again.ping();
      await again.close();
      const { rows } = await sql<{ name: string }>`select name from schema_migrations order by name`.execute(store.db);
      assert.deepEqual(
        rows.map((row) => row.name),
        [
          '0001-foundation',
          '0002-usage-records',
          '0003-policy',
          '0004-ledger',
          '0005-audit-log',
          '0006-embedded-deployments',
          '0007-charges-without-usage-index',
          '0008-audit-nodes-by-last-leaf',
          '0009-charges-in-fewer-indexes',
          '0010-audit-nodes-from-sixteen-leaves',
          '0011-audit-leaves-carry-their-nodes',
          '0012-usage-records-carry-credits',
          '0013-rate-limits-per-organization',
          '0014-usage-rollups',
          '0015-ledger-request-holds',
          '0016-replica-coordination',
        ],
      );
    });

    await t.test('pages ids of mixed case and digits in the order it lists them', async () => {
      const organizations = new OrganizationRepository(store);
      const projects = new ProjectRepository(store);
      await writeOnce(store, (tx) =>
        organizations.create(tx, { id: 'org_paging', name: 'Paging', homeJurisdiction: 'DE' }),
      );
      for (const id of mixedIds)
        await writeOnce(store, (tx) => projects.create(tx, 'org_paging', { id, name: `project ${id}` }));
      const expected = sortedByCodeUnit(mixedIds);
      const whole = await projects.list('org_paging', { limit: 200 });
      assert.deepEqual(
        whole.data.map((p) => p.id),
        expected,
      );
      for (const limit of [1, 2, 3, 7]) {
        assert.deepEqual(
          await walk((after) => projects.list('org_paging', { limit, after })),
          expected,
          `pages of ${limit}`,
        );
      }
      // A cursor need not be an existing id: `after` means "sorts after", byte by byte.
      const afterLowerA = await projects.list('org_paging', { limit: 200, after: 'a' });
      assert.deepEqual(
        afterLowerA.data.map((p) => p.id),
        expected.filter((id) => id > 'a'),
      );
      for (const id of mixedIds) {
        await writeOnce(store, (tx) => organizations.create(tx, { id: `Org${id}`, name: id, homeJurisdiction: 'FR' }));
      }
      const allOrganizations = await walk((after) => organizations.list({ limit: 4, after }));
      assert.deepEqual(allOrganizations, sortedByCodeUnit(allOrganizations));
      assert.equal(new Set(allOrganizations).size, allOrganizations.length);
      assert.ok(mixedIds.every((id) => allOrganizations.includes(`Org${id}`)));
    });

    await t.test('names the constraint a failed write violated', async () => {
      const organizations = new OrganizationRepository(store);
      await writeOnce(store, (tx) =>
        organizations.create(tx, { id: 'org_constraints', name: 'Constraints', homeJurisdiction: 'DE' }),
      );
      const duplicate = await store.db
        .insertInto('organizations')
        .values({ id: 'org_constraints', name: 'again', homeJurisdiction: 'DE', createdAt: now, updatedAt: now })
        .execute()
        .then(
          () => assert.fail('a duplicate id was accepted'),
          (error: unknown) => error,
        );
      assert.equal(store.constraintViolation(duplicate), 'unique');
      const orphan = await store.db
        .insertInto('projects')
        .values({ id: 'p', organizationId: 'org_missing', name: 'orphan', createdAt: now, updatedAt: now })
        .execute()
        .then(
          () => assert.fail('a project of a missing organization was accepted'),
          (error: unknown) => error,
        );
      assert.equal(store.constraintViolation(orphan), 'foreign_key');
      const keyRepository = new ApiKeyRepository(store);
      const key = await writeOnce(store, (tx) =>
        keyRepository.create(tx, 'org_constraints', { role: 'org_admin', projectId: null }),
      );
      const row = await store.db.selectFrom('apiKeys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
      const sameSecret = await store.db
        .insertInto('apiKeys')
        .values({ ...row, id: 'key_same_secret' })
        .execute()
        .then(
          () => assert.fail('a second key with the same secret hash was accepted'),
          (error: unknown) => error,
        );
      assert.equal(store.constraintViolation(sameSecret), 'unique');
      const missingTable = await sql`select * from no_such_table`.execute(store.db).then(
        () => assert.fail('a missing table was queried'),
        (error: unknown) => error,
      );
      assert.equal(store.constraintViolation(missingTable), undefined);
      assert.equal(store.constraintViolation(new CommonwealError('conflict', 'not a database error')), undefined);
      assert.equal(store.constraintViolation(undefined), undefined);
      await assert.rejects(
        insertUnique(store, 'an organization', 'org_constraints', () =>
          store.db
            .insertInto('organizations')
            .values({ id: 'org_constraints', name: 'x', homeJurisdiction: 'DE', createdAt: now, updatedAt: now })
            .execute(),
        ),
        { code: 'already_exists', message: 'an organization with id "org_constraints" already exists' },
      );
    });

    await t.test('reads money and other bigints back as exact numbers', async () => {
      const models = new ModelRepository(store);
      const model = {
        id: 'big-money',
        parameterCount: 9_000_000_000_000,
        inputPriceMicroPerMtok: 9_000_000_000_000,
        outputPriceMicroPerMtok: Number.MAX_SAFE_INTEGER,
      };
      await writeOnce(store, (tx) => models.create(tx, model));
      const found = await models.find('big-money');
      assert.equal(found?.inputPriceMicroPerMtok, 9_000_000_000_000);
      assert.equal(found?.outputPriceMicroPerMtok, Number.MAX_SAFE_INTEGER);
      assert.equal(found?.parameterCount, 9_000_000_000_000);
      const row = await store.db
        .selectFrom('models')
        .selectAll()
        .where('id', '=', 'big-money')
        .executeTakeFirstOrThrow();
      assert.equal(row.inputPriceMicroPerMtok, 9_000_000_000_000);
      assert.equal(typeof row.outputPriceMicroPerMtok, 'number');
      const count = await store.db
        .selectFrom('models')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(typeof count.n, 'number');
      assert.ok(isoInstant.test(row.createdAt), row.createdAt);
    });

    await t.test('tenancy: organizations, projects and keys', async () => {
      const organizations = new OrganizationRepository(store);
      const projects = new ProjectRepository(store);
      const keys = new ApiKeyRepository(store);
      const org = await writeOnce(store, (tx) => organizations.create(tx, { name: 'Tenant', homeJurisdiction: 'DE' }));
      assert.match(org.id, /^org_[a-z0-9]{12}$/);
      assert.deepEqual(await organizations.find(org.id), org);
      assert.equal(
        (await writeOnce(store, (tx) => organizations.update(tx, org.id, { name: 'Renamed' })))?.after.name,
        'Renamed',
      );
      assert.deepEqual(
        (await organizations.list({ limit: 10 }, org.id)).data.map((o) => o.id),
        [org.id],
      );
      await assert.rejects(
        writeOnce(store, (tx) => organizations.create(tx, { id: org.id, name: 'again', homeJurisdiction: 'DE' })),
        {
          code: 'already_exists',
        },
      );

      const project = await writeOnce(store, (tx) =>
        projects.create(tx, org.id, { id: 'shared-name', name: 'Project' }),
      );
      const other = await writeOnce(store, (tx) => organizations.create(tx, { name: 'Other', homeJurisdiction: 'FR' }));
      // Project ids are per organization, so another tenant may use the same one.
      await writeOnce(store, (tx) => projects.create(tx, other.id, { id: 'shared-name', name: 'Theirs' }));
      assert.equal(
        (await writeOnce(store, (tx) => projects.rename(tx, org.id, project.id, 'Renamed')))?.after.name,
        'Renamed',
      );
      assert.equal((await projects.find(other.id, project.id))?.name, 'Theirs');

      const projectKey = await writeOnce(store, (tx) =>
        keys.create(tx, org.id, { role: 'project', projectId: project.id, name: 'ci' }),
      );
      const adminKey = await writeOnce(store, (tx) => keys.create(tx, org.id, { role: 'org_admin', projectId: null }));
      const found = await keys.find(org.id, projectKey.id);
      assert.equal(found?.projectId, project.id);
      assert.equal(found?.revokedAt, null);
      const all = await keys.listAllWithHashes();
      const hash = all.find((entry) => entry.key.id === projectKey.id)?.secretHash;
      assert.ok(hash !== undefined);
      assert.equal((await keys.findBySecretHash(hash))?.id, projectKey.id);
      assert.deepEqual(
        (await keys.list(org.id, { limit: 10 }, project.id)).data.map((k) => k.id),
        [projectKey.id],
      );
      assert.deepEqual(
        (await keys.list(org.id, { limit: 10 })).data.map((k) => k.id),
        sortedByCodeUnit([projectKey.id, adminKey.id]),
      );

      await assert.rejects(
        writeOnce(store, (tx) => organizations.delete(tx, org.id)),
        { code: 'conflict' },
      );
      await assert.rejects(
        writeOnce(store, (tx) => projects.delete(tx, org.id, project.id)),
        { code: 'conflict' },
      );
      assert.ok((await writeOnce(store, (tx) => keys.revoke(tx, org.id, projectKey.id)))?.after.revokedAt);
      assert.equal((await writeOnce(store, (tx) => projects.delete(tx, org.id, project.id)))?.id, project.id);
      assert.equal(await writeOnce(store, (tx) => projects.delete(tx, org.id, project.id)), undefined);
      assert.equal((await projects.find(other.id, 'shared-name'))?.name, 'Theirs');
      await assert.rejects(
        writeOnce(store, (tx) => organizations.delete(tx, org.id)),
        { code: 'conflict' },
      );
      await writeOnce(store, (tx) => keys.revoke(tx, org.id, adminKey.id));
      assert.equal((await writeOnce(store, (tx) => organizations.delete(tx, org.id)))?.id, org.id);
      assert.equal(await writeOnce(store, (tx) => organizations.delete(tx, org.id)), undefined);
      assert.equal(await organizations.find(org.id), undefined);
    });

    await t.test('catalog: models, sites and deployments', async () => {
      const models = new ModelRepository(store);
      const sites = new SiteRepository(store);
      const deployments = new DeploymentRepository(store, new SecretBox(randomBytes(32)));
      const write = <T>(job: (tx: WriteTransaction) => Promise<T>) => writeOnce(store, job);
      const llama = {
        id: 'meta-llama/Llama-3.1-8B',
        inputPriceMicroPerMtok: 100,
        outputPriceMicroPerMtok: 300,
        tags: ['chat'],
      };
      const model = await write((tx) => models.create(tx, llama));
      await assert.rejects(
        write((tx) => models.create(tx, { id: model.id, inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 })),
        {
          code: 'already_exists',
        },
      );
      const modelPatch = { contextLength: 131_072, tags: ['chat', 'tools'] };
      assert.deepEqual((await write((tx) => models.update(tx, model.id, modelPatch)))?.after.tags, ['chat', 'tools']);
      const frankfurt = {
        id: 'fra-1',
        name: 'Frankfurt',
        jurisdiction: 'DE',
        accelerators: [{ vendor: 'nvidia', type: 'H200', count: 8 }],
        powerKw: 1200,
      } as const;
      const site = await write((tx) => sites.create(tx, frankfurt));
      assert.deepEqual(await sites.find(site.id), site);
      assert.ok((await sites.listAll()).some((s) => s.id === 'fra-1'));

      const upstream = { baseUrl: 'http://10.0.0.5:8000/v1', upstreamApiKey: 'sk-up' };
      const deployment = await write((tx) =>
        deployments.create(tx, { id: 'dep-1', modelId: model.id, siteId: site.id, kind: 'openai', ...upstream }),
      );
      assert.equal(deployment.enabled, true);
      assert.equal(deployment.hasUpstreamApiKey, true);
      await assert.rejects(
        write((tx) =>
          deployments.create(tx, { id: 'dep-2', modelId: 'no-such-model', siteId: site.id, kind: 'openai' }),
        ),
        {
          code: 'invalid_request',
          param: 'modelId',
        },
      );
      await assert.rejects(
        write((tx) =>
          deployments.create(tx, { id: 'dep-2', modelId: model.id, siteId: 'no-such-site', kind: 'openai' }),
        ),
        {
          code: 'invalid_request',
          param: 'siteId',
        },
      );
      await assert.rejects(
        write((tx) => deployments.create(tx, { id: 'dep-1', modelId: model.id, siteId: site.id, kind: 'openai' })),
        {
          code: 'already_exists',
        },
      );
      assert.equal(
        (await write((tx) => deployments.update(tx, 'dep-1', { enabled: false, weight: 7 })))?.after.enabled,
        false,
      );
      const withSecret = (await deployments.listAllWithSecrets()).find((d) => d.deployment.id === 'dep-1');
      assert.equal(withSecret?.upstreamApiKey, 'sk-up');
      assert.equal(withSecret?.deployment.weight, 7);
      assert.deepEqual(
        (await deployments.list({ limit: 10 }, { siteId: site.id })).data.map((d) => d.id),
        ['dep-1'],
      );
      const embeddedOptions = { contextSize: 4096, gpuLayers: 'auto' as const, parallelSequences: 2 };
      const embeddedInput = {
        id: 'dep-emb',
        modelId: model.id,
        siteId: site.id,
        kind: 'embedded',
        source: 'hf:org/repo/model.gguf',
      } as const;
      const embedded = await write((tx) =>
        deployments.create(tx, { ...embeddedInput, engineOptions: embeddedOptions }),
      );
      assert.deepEqual(await deployments.find('dep-emb'), embedded);
      assert.deepEqual(embedded.engineOptions, embeddedOptions);
      assert.equal(
        (await write((tx) => deployments.update(tx, 'dep-emb', { engineOptions: null })))?.after.engineOptions,
        null,
      );
      assert.equal((await write((tx) => deployments.delete(tx, 'dep-emb')))?.id, 'dep-emb');

      await assert.rejects(
        write((tx) => models.delete(tx, model.id)),
        { code: 'conflict' },
      );
      await assert.rejects(
        write((tx) => sites.delete(tx, site.id)),
        { code: 'conflict' },
      );
      assert.equal((await write((tx) => deployments.delete(tx, 'dep-1')))?.id, 'dep-1');
      assert.equal(await write((tx) => deployments.delete(tx, 'dep-1')), undefined);
      assert.equal((await write((tx) => models.delete(tx, model.id)))?.id, model.id);
      assert.equal((await write((tx) => sites.delete(tx, site.id)))?.id, site.id);
      assert.equal(await models.find(model.id), undefined);
    });

    await t.test('metering: usage records in write order, filtered and totalled', async () => {
      const usage = new UsageRepository(store);
      const written = [
        usageRecord('req_c', '2025-02-28T23:59:59.999Z'),
        usageRecord('req_A', '2025-03-01T00:00:00.000Z', {
          modelId: 'llama-3.1-8b',
          promptTokens: 1,
          completionTokens: 2,
          totalTokens: 3,
        }),
        usageRecord('req_b', '2025-03-15T08:00:00.000Z', {
          usageEstimated: true,
          streamed: false,
          firstByteMs: null,
          promptTokens: 3_000_000_000,
          // Past 2^32, so that both stores must keep 64 bits.
          creditsPricedMicro: 5_000_000_000_007,
          creditsChargedMicro: 5_000_000_000_000,
          creditsWrittenOffMicro: 7,
        }),
        usageRecord('req_9', '2025-03-20T00:00:00.000Z', { organizationId: 'org_v' }),
      ];
      await writeOnce(store, async (tx) => {
        for (const record of written) await usage.record(tx, record);
      });
      assert.deepEqual((await usage.query({}, { limit: 10 })).data, written);
      assert.deepEqual(await walk((after) => usage.query({ organizationId: 'org_a' }, { limit: 1, after })), [
        'req_c',
        'req_A',
        'req_b',
      ]);
      await assert.rejects(
        writeOnce(store, (tx) => usage.record(tx, written[0] as UsageRecord)),
        { code: 'already_exists' },
      );
      await assert.rejects(usage.query({ organizationId: 'org_a' }, { limit: 1, after: 'req_9' }), {
        code: 'invalid_request',
        param: 'after',
      });
      assert.deepEqual(await usage.totals({ organizationId: 'org_a', since: '2025-03-01T00:00:00Z' }), {
        requests: 2,
        promptTokens: 3_000_000_001,
        completionTokens: 22,
        totalTokens: 33,
        creditsChargedMicro: 5_000_000_000_000,
        creditsWrittenOffMicro: 7,
      });
      assert.deepEqual(await usage.totalsByModel({ since: '2025-03-01T00:00:00Z', until: '2025-04-01T00:00:00Z' }), [
        {
          modelId: 'llama-3.1-8b',
          requests: 1,
          promptTokens: 1,
          completionTokens: 2,
          totalTokens: 3,
          creditsChargedMicro: 0,
          creditsWrittenOffMicro: 0,
        },
        {
          modelId: 'qwen3-8b',
          requests: 2,
          promptTokens: 3_000_000_010,
          completionTokens: 40,
          totalTokens: 60,
          creditsChargedMicro: 5_000_000_000_000,
          creditsWrittenOffMicro: 7,
        },
      ]);
    });

    await t.test(
      'metering: the group-commit writer batches, isolates a duplicate and is durable for other connections',
      async () => {
        const usage = new UsageRepository(store);
        const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
        const recorder = new TestUsageRecorder(writer, usage);
        const reader = await open();
        try {
          const ids = Array.from({ length: 300 }, (_, i) => `gc_${i}`);
          const unseen: string[] = [];
          const results = await Promise.allSettled([
            ...ids.slice(0, 150).map((id) => recorder.recordUsage(usageInput(id, { organizationId: 'org_gc' }))),
            recorder.recordUsage(usageInput('req_c', { organizationId: 'org_gc' })),
            ...ids.slice(150).map((id) =>
              recorder.recordUsage(usageInput(id, { organizationId: 'org_gc' })).then(async () => {
                const row = await reader.db
                  .selectFrom('usageRecords')
                  .select('id')
                  .where('id', '=', id)
                  .executeTakeFirst();
                if (row === undefined) unseen.push(id);
              }),
            ),
          ]);
          const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
          assert.equal(rejected.length, 1);
          assert.equal((rejected[0]!.reason as CommonwealError).code, 'already_exists');
          assert.deepEqual(unseen, []);
          const stats = writer.stats();
          assert.equal(stats.jobsCommitted, 300);
          assert.ok(stats.transactionsCommitted <= 30, `${stats.transactionsCommitted} transactions for 300 jobs`);
          assert.deepEqual(await walk((after) => usage.query({ organizationId: 'org_gc' }, { limit: 64, after })), ids);
          assert.equal((await usage.totals({ organizationId: 'org_gc' })).requests, 300);
        } finally {
          await writer.close();
          await reader.close();
        }
      },
    );
  } finally {
    await store.close();
  }
}

test('SQLite store', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-contract-'));
  try {
    await runContract(t, () => openSqliteStore(join(dir, 'commonweal.db')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL store', async (t) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  t.diagnostic(`database ${database.name}, ${database.linguisticCollation ? 'ICU en-US' : 'server default'} collation`);
  const open = () => openPostgresStore(database.url);
  try {
    await t.test('replicas that open a fresh database together migrate it once', async () => {
      const stores = await Promise.all([open(), open(), open()]);
      await Promise.all(stores.map((store) => store.close()));
    });

    await runContract(t, open);

    await t.test('appends from two replicas take seq numbers in commit order', async () => {
      const [first, second] = await Promise.all([open(), open()]);
      const [firstUsage, secondUsage] = [new UsageRepository(first), new UsageRepository(second)];
      let releaseFirst = (): void => {};
      const firstHeld = new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      let firstInserted = (): void => {};
      const firstInsertedSignal = new Promise<void>((resolve) => {
        firstInserted = resolve;
      });
      const firstCommit = first.db.transaction().execute(async (db) => {
        const tx = new WriteTransaction(db, first.dialect);
        await firstUsage.record(tx, usageRecord('order_1', now, { organizationId: 'org_order' }));
        await tx.writeBatches();
        firstInserted();
        await firstHeld;
      });
      let secondCommitted = false;
      let secondCommit: Promise<void> = Promise.resolve();
      try {
        await firstInsertedSignal;
        secondCommit = writeOnce(second, (tx) =>
          secondUsage.record(tx, usageRecord('order_2', now, { organizationId: 'org_order' })),
        ).then(() => {
          secondCommitted = true;
        });
        await sleep(200);
        // Had the second taken a number and committed now, a reader would see order_2
        // without order_1 and, paging on from it, skip order_1 forever.
        assert.equal(secondCommitted, false, 'the second append committed while the first was still open');
        assert.deepEqual((await secondUsage.query({ organizationId: 'org_order' }, { limit: 10 })).data, []);
        releaseFirst();
        await Promise.all([firstCommit, secondCommit]);
        const { rows } = await sql<{
          id: string;
        }>`select id from usage_records where organization_id = 'org_order' order by seq`.execute(first.db);
        assert.deepEqual(
          rows.map((row) => row.id),
          ['order_1', 'order_2'],
        );
      } finally {
        releaseFirst();
        await Promise.allSettled([firstCommit, secondCommit]);
        await Promise.all([first.close(), second.close()]);
      }
    });

    await t.test(
      'refuses a bigint beyond Number.MAX_SAFE_INTEGER rather than round it, and keeps working',
      async () => {
        const store = await open();
        try {
          const { rows } = await sql<{ n: number }>`select 9007199254740991::bigint as n`.execute(store.db);
          assert.equal(rows[0]?.n, Number.MAX_SAFE_INTEGER);
          await assert.rejects(sql`select 9007199254740993::bigint as n`.execute(store.db), RangeError);
          await assert.rejects(sql`select -9007199254740993::bigint as n`.execute(store.db), RangeError);
          await store.ping();
          // The parser belongs to the store's pool: pg's global parsers are untouched.
          assert.equal(pg.types.getTypeParser(20, 'text')('9007199254740993'), '9007199254740993');
        } finally {
          await store.close();
        }
      },
    );

    await t.test('cancels a statement that outlasts the statement timeout', async () => {
      const store = await openPostgresStore(database.url, { statementTimeoutMs: 100 });
      try {
        await assert.rejects(sql`select pg_sleep(5)`.execute(store.db), { code: '57014' });
        await store.ping();
      } finally {
        await store.close();
      }
    });

    await t.test('fails to open, without leaving a pool behind, when the server is not there', async () => {
      await assert.rejects(
        openPostgresStore('postgres://postgres@127.0.0.1:1/none', { connectTimeoutMs: 1_000 }),
        /database migration failed/,
      );
    });
  } finally {
    await database.drop();
  }
});
