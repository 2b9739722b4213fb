import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { testOnEachStore } from '../../test/helpers/each-store.js';
import { DeploymentRepository, ModelRepository, SiteRepository } from '../catalog/index.js';
import { CommonwealError } from '../errors/index.js';
import { PolicyEngine, PolicyService } from '../policy/index.js';
import { Budgets, Ledger } from '../ledger/index.js';
import { RateLimits } from '../limits/index.js';
import { SecretBox } from '../secrets/index.js';
import { GroupCommitWriter, type Store, type WriteTransaction } from '../store/index.js';
import { ApiKeyRepository, OrganizationRepository, ProjectRepository } from '../tenancy/index.js';
import { type AdminChange, recordSha256 } from './admin-change.js';
import { AdminChangeLog } from './admin-change-log.js';
import { TransparencyLog } from './transparency-log.js';

/*
 * `AdminChangeLog.commit` writes a change and its leaf in one transaction: for every kind
 * of record the management API creates, both are stored or neither is, and a refused
 * change leaves no leaf.
 */

const operator = { kind: 'operator' } as const;

/** Makes `tx` fail after every batch opened before this call has been written, as a failing COMMIT would. */
function failAtCommit(tx: WriteTransaction): void {
  tx.batch(
    {},
    () => null,
    async () => {
      throw new CommonwealError('conflict', 'refused at commit');
    },
  );
}

/**
 * A log that refuses, at commit, a leaf whose text contains `refusing`: the leaf's rows
 * are written, then its transaction fails.
 */
class RefusingLog extends TransparencyLog {
  refusing: string | undefined;

  override async append(tx: WriteTransaction, text: string): Promise<number> {
    const index = await super.append(tx, text);
    if (this.refusing !== undefined && text.includes(this.refusing)) failAtCommit(tx);
    return index;
  }
}

interface Kind {
  readonly resource: string;
  readonly create: (tx: WriteTransaction, id: string) => Promise<{ readonly id: string }>;
  readonly find: (id: string) => Promise<unknown>;
}

async function kindsOn(store: Store, writer: GroupCommitWriter): Promise<readonly Kind[]> {
  const organizations = new OrganizationRepository(store);
  const projects = new ProjectRepository(store);
  const keys = new ApiKeyRepository(store);
  const models = new ModelRepository(store);
  const sites = new SiteRepository(store);
  const deployments = new DeploymentRepository(store, new SecretBox(randomBytes(32)));
  const policies = new PolicyService({ store, engine: new PolicyEngine('open'), listOrganizations: async () => [] });
  const rateLimits = await RateLimits.open(store);
  const budgets = await Budgets.open(await Ledger.open(store, writer));
  return [
    {
      resource: 'organization',
      create: (tx, id) => organizations.create(tx, { id, name: id, homeJurisdiction: 'DE' }),
      find: (id) => organizations.find(id),
    },
    {
      resource: 'project',
      create: (tx, id) => projects.create(tx, 'acme', { id, name: id }),
      find: (id) => projects.find('acme', id),
    },
    {
      // A key's id is made by the repository, and its secret is shown once and never read back.
      resource: 'api_key',
      create: async (tx) => {
        const { secret: _secret, ...key } = await keys.create(tx, 'acme', { role: 'org_admin', projectId: null });
        return key;
      },
      find: (id) => keys.find('acme', id),
    },
    {
      resource: 'site',
      create: (tx, id) => sites.create(tx, { id, name: id, jurisdiction: 'DE' }),
      find: (id) => sites.find(id),
    },
    {
      resource: 'model',
      create: (tx, id) => models.create(tx, { id, inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 }),
      find: (id) => models.find(id),
    },
    {
      resource: 'deployment',
      create: (tx, id) =>
        deployments.create(tx, {
          id,
          modelId: 'base-model',
          siteId: 'base-site',
          kind: 'openai',
          baseUrl: 'http://10.0.0.1/v1',
        }),
      find: (id) => deployments.find(id),
    },
    {
      // A policy change is a new version of the policy state, written by the policy module in the same transaction.
      resource: 'jurisdiction_group',
      create: async (tx, id) => {
        const saved = await policies.save(
          tx,
          { kind: 'jurisdiction_group', group: { id, name: id, members: ['DE'] } },
          'operator',
        );
        return saved.after as { readonly id: string };
      },
      find: async (id) => {
        await policies.reload();
        const view = policies.group(id);
        if (view === undefined) return undefined;
        const { countries: _countries, ...group } = view;
        return group;
      },
    },
    {
      resource: 'rate_limit',
      create: async (tx, id) =>
        (await rateLimits.set(tx, 'acme', { scope: 'key', scopeId: id, requestsPerMinute: 10 })).after!,
      find: async (id) => (await rateLimits.list('acme')).find((rule) => rule.id === id),
    },
    {
      // A budget's id is made by the ledger, like a key's.
      resource: 'budget',
      create: (tx) => budgets.create(tx, 'acme', { scope: 'organization', period: 'day', limitMicro: 1_000 }),
      find: async (id) => (await budgets.list('acme')).find((budget) => budget.id === id),
    },
  ];
}

async function leaves(store: Store): Promise<AdminChange[]> {
  const rows = await store.db.selectFrom('auditLeaves').select('entry').orderBy('idx').execute();
  return rows.map((row) => JSON.parse(row.entry) as AdminChange);
}

testOnEachStore('an admin change and its leaf commit together or not at all', async (t, store) => {
  const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
  const log = new RefusingLog(store);
  const changes = new AdminChangeLog(writer, log);
  const organizations = new OrganizationRepository(store);
  const create = (kind: Kind, id: string) =>
    changes.commit(async (tx) => {
      const record = await kind.create(tx, id);
      const change = {
        actor: operator,
        action: 'create',
        resource: kind.resource,
        resourceId: record.id,
        organizationId: null,
      };
      return { result: record, change: { ...change, before: null, after: record } };
    });
  await writeBase(store, organizations);

  for (const kind of await kindsOn(store, writer)) {
    await t.test(`${kind.resource}: a committed change has its leaf, naming the record as stored`, async () => {
      const size = await log.size();
      const record = await create(kind, `ok-${kind.resource}`);
      assert.deepEqual(await kind.find(record.id), record);
      assert.equal(await log.size(), size + 1);
      const leaf = (await leaves(store)).at(-1)!;
      assert.deepEqual([leaf.resource, leaf.action, leaf.resourceId], [kind.resource, 'create', record.id]);
      assert.equal(leaf.afterSha256, recordSha256(record));
    });

    await t.test(`${kind.resource}: a leaf that fails to be written takes its change with it`, async () => {
      const size = await log.size();
      let attempted: string | undefined;
      log.refusing = `"resource":"${kind.resource}"`;
      const [other, failed] = await Promise.allSettled([
        writer.submit((tx) => log.append(tx, JSON.stringify({ beside: kind.resource }))),
        changes.commit(async (tx) => {
          const record = await kind.create(tx, `failed-${kind.resource}`);
          attempted = record.id;
          const change = {
            actor: operator,
            action: 'create',
            resource: kind.resource,
            resourceId: record.id,
            organizationId: null,
          };
          return { result: record, change: { ...change, before: null, after: record } };
        }),
      ]);
      log.refusing = undefined;
      assert.equal(other.status, 'fulfilled', 'the job beside it commits');
      assert.equal(failed.status, 'rejected');
      assert.equal(await kind.find(attempted!), undefined, 'the change was rolled back');
      assert.equal(await log.size(), size + 1, 'only the other job added a leaf');
    });

    await t.test(`${kind.resource}: a refused change adds no leaf and keeps none of its writes`, async () => {
      const size = await log.size();
      let attempted: string | undefined;
      const refused = changes.commit(async (tx) => {
        const record = await kind.create(tx, `refused-${kind.resource}`);
        attempted = record.id;
        throw new CommonwealError('conflict', 'refused after the write');
      });
      await assert.rejects(refused, { code: 'conflict' });
      assert.equal(await kind.find(attempted!), undefined);
      assert.equal(await log.size(), size);
    });
  }

  await t.test('a duplicate answers already_exists and adds no leaf, while a change beside it commits', async () => {
    const [site] = (await kindsOn(store, writer)).filter((kind) => kind.resource === 'site');
    const size = await log.size();
    const [duplicate, fresh] = await Promise.allSettled([create(site!, 'base-site'), create(site!, 'fresh-site')]);
    assert.equal(duplicate.status, 'rejected');
    assert.equal((duplicate as PromiseRejectedResult).reason.code, 'already_exists');
    assert.equal(fresh.status, 'fulfilled');
    assert.equal(await log.size(), size + 1);
    assert.deepEqual((await leaves(store)).at(-1)?.resourceId, 'fresh-site');
  });
  await writer.close();
});

/** The organization, model and site that projects, keys and deployments belong to, written without the log. */
async function writeBase(store: Store, organizations: OrganizationRepository): Promise<void> {
  const writer = new GroupCommitWriter(store);
  await writer.submit(async (tx) => {
    await organizations.create(tx, { id: 'acme', name: 'Acme', homeJurisdiction: 'DE' });
    await new ModelRepository(store).create(tx, {
      id: 'base-model',
      inputPriceMicroPerMtok: 1,
      outputPriceMicroPerMtok: 1,
    });
    await new SiteRepository(store).create(tx, { id: 'base-site', name: 'Base', jurisdiction: 'DE' });
  });
  await writer.close();
}
