import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { testOnEachStore } from '../../test/helpers/each-store.js';
import { DeploymentRepository, ModelRepository, SiteRepository } from '../catalog/index.js';
import { CommonwealError } from '../errors/index.js';
import { PolicyEngine, PolicyService } from '../policy/index.js';
import { Budgets, Fund, issuanceAccountId, Ledger, organizationAccountId } from '../ledger/index.js';
import { grantAccountId } from '../ledger/ledger-account.js';
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

testOnEachStore('a deposit and a fund grant commit with their leaf or not at all', async (t, store) => {
  await writeBase(store, new OrganizationRepository(store));
  const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
  const log = new RefusingLog(store);
  const changes = new AdminChangeLog(writer, log);
  const ledger = await Ledger.open(store, writer);
  const fund = await Fund.open(ledger);
  const accountId = organizationAccountId('acme');
  const leaf = (resource: string, resourceId: string, after: unknown) => ({
    actor: operator,
    action: 'create',
    resource,
    resourceId,
    organizationId: 'acme',
    before: null,
    after,
  });
  /** A deposit as the credits route writes it: the account opened on first use, the transfer, and the leaf if new. */
  const deposit = (id: string, amountMicro: number) =>
    changes.commit(async (tx) => {
      await ledger.openAccountIn(tx, { id: accountId, kind: 'organization', organizationId: 'acme' });
      const result = await ledger.transferIn(tx, {
        id,
        debitAccountId: issuanceAccountId,
        creditAccountId: accountId,
        amountMicro,
        code: 'deposit',
        organizationId: 'acme',
      });
      return { result, change: result.created ? leaf('deposit', id, result.transfer) : null };
    });
  /** What memory holds of an account: what it owns and what is reserved of it. */
  const held = (id: string) => {
    const account = ledger.account(id);
    if (account === undefined) return undefined;
    const reservedMicro = account.balanceMicro - account.debitsPendingMicro - account.availableMicro;
    return [account.balanceMicro, reservedMicro];
  };
  /** Whether the database holds a row with this id in `table`. */
  const exists = async (table: 'ledgerTransfers' | 'ledgerAccounts', id: string) =>
    (await store.db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

  await t.test('a deposit whose leaf is refused leaves no account, no transfer and no credits', async () => {
    const size = await log.size();
    const issuance = held(issuanceAccountId);
    log.refusing = '"resource":"deposit"';
    const [other, failed] = await Promise.allSettled([
      writer.submit((tx) => log.append(tx, JSON.stringify({ beside: 'deposit' }))),
      deposit('dep-refused', 700),
    ]);
    log.refusing = undefined;
    assert.equal(other.status, 'fulfilled', 'the job beside it commits');
    assert.equal(failed.status, 'rejected');
    assert.equal(await exists('ledgerTransfers', 'dep-refused'), false);
    assert.equal(await exists('ledgerAccounts', accountId), false, 'the account opening too');
    assert.equal(held(accountId), undefined);
    assert.deepEqual(held(issuanceAccountId), issuance, 'nothing moved and nothing stays reserved');
    assert.equal(await log.size(), size + 1, 'only the other job added a leaf');
  });

  await t.test('a deposit commits with its leaf, once for two requests with the same id', async () => {
    const size = await log.size();
    const results = await Promise.all([deposit('dep-1', 1_000), deposit('dep-1', 1_000)]);
    assert.deepEqual(results.map((r) => r.created).sort(), [false, true]);
    assert.deepEqual(results[0].transfer.id, results[1].transfer.id);
    assert.deepEqual(held(accountId), [1_000, 0]);
    assert.equal(await log.size(), size + 1, 'the repeat added no leaf');
    const stored = (await leaves(store)).at(-1)!;
    assert.deepEqual([stored.resource, stored.resourceId], ['deposit', 'dep-1']);
    await assert.rejects(deposit('dep-1', 999), { code: 'idempotency_conflict' });
  });

  await t.test('a grant whose leaf is refused leaves the application pending and the pool whole', async () => {
    const program = await changes.commit(async (tx) => {
      const created = await fund.createProgram(tx, {
        id: 'seed',
        name: 'Seed',
        defaultGrantMicro: 300,
        grantDurationDays: 30,
      });
      return { result: created, change: leaf('program', created.id, created) };
    });
    await changes.commit(async (tx) => {
      const result = await fund.fundProgram(tx, program.id, 500, 'fund-1');
      return { result, change: leaf('program', program.id, result.transfer) };
    });
    const application = await changes.commit(async (tx) => {
      const created = await fund.apply(tx, 'acme', program.id, 'we build things');
      return { result: created, change: leaf('application', created.id, created) };
    });
    const approve = () =>
      changes.commit(async (tx) => {
        const { application: approved, decided } = await fund.approve(tx, program.id, application.id, {});
        return { result: approved, change: decided ? leaf('grant', approved.id, approved) : null };
      });
    const pool = held(program.poolAccountId);
    assert.deepEqual(pool, [500, 0]);
    const size = await log.size();
    log.refusing = '"resource":"grant"';
    await assert.rejects(approve(), { code: 'conflict' });
    log.refusing = undefined;
    assert.equal((await fund.application(program.id, application.id)).status, 'pending');
    assert.equal(await exists('ledgerTransfers', grantAccountId(application.id)), false);
    assert.equal(held(grantAccountId(application.id)), undefined, 'no grant account');
    assert.deepEqual(held(program.poolAccountId), pool, 'nothing moved and nothing stays reserved');
    assert.equal(await log.size(), size);

    const approved = await approve();
    assert.equal(approved.status, 'approved');
    assert.deepEqual(held(approved.grantAccountId!), [300, 0]);
    assert.deepEqual(held(program.poolAccountId), [200, 0]);
    assert.equal(await log.size(), size + 1);
    assert.deepEqual(await approve(), approved, 'approving again changes nothing');
    assert.equal(await log.size(), size + 1, 'and adds no leaf');
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
