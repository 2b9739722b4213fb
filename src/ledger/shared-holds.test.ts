import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { requireService } from '../../test/helpers/require-service.js';
import { createTempPostgresDatabase, postgresService } from '../../test/helpers/temp-postgres-database.js';
import { CommonwealError } from '../errors/index.js';
import { GroupCommitWriter, openPostgresStore, type Store } from '../store/index.js';
import type { CreditHold } from './credit-hold.js';
import { Ledger } from './ledger.js';
import { issuanceAccountId } from './ledger-account.js';

const subject = { organizationId: 'a', projectId: 'p', apiKeyId: 'k', modelId: 'm' };
const prices = { inputPriceMicroPerMtok: 1_000_000, outputPriceMicroPerMtok: 0 };
const ttlMs = 60_000;

interface Replica {
  readonly store: Store;
  readonly writer: GroupCommitWriter;
  readonly ledger: Ledger;
}

/** Two replicas on one fresh PostgreSQL database, the first of which funds `org:a` with `depositMicro`. */
async function withReplicas(
  t: TestContext,
  depositMicro: number,
  body: (replicas: readonly [Replica, Replica], url: string) => Promise<void>,
): Promise<void> {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  const opened: Replica[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const store = await openPostgresStore(database.url);
      const writer = new GroupCommitWriter(store);
      const replica = { store, writer } as Replica;
      opened.push(replica);
      const ledger = await Ledger.open(store, writer, { sharedHoldTtlMs: ttlMs });
      (replica as { ledger: Ledger }).ledger = ledger;
      if (i === 0) {
        await ledger.openAccount({ id: 'org:a', kind: 'organization', organizationId: 'a' });
        await ledger.transfer({
          id: 'd1',
          debitAccountId: issuanceAccountId,
          creditAccountId: 'org:a',
          amountMicro: depositMicro,
          code: 'deposit',
        });
      }
    }
    // The second replica opened before the account existed in its book: it loads it as a restart would.
    const second = opened[1]!;
    (second as { ledger: Ledger }).ledger = await Ledger.open(second.store, second.writer, { sharedHoldTtlMs: ttlMs });
    await body([opened[0]!, second], database.url);
  } finally {
    for (const replica of opened) {
      await replica.writer.close();
      await replica.store.close();
    }
    await database.drop();
  }
}

async function holdRows(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('ledgerRequestHolds')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function tryHold(ledger: Ledger, amountMicro: number): Promise<CreditHold | 'refused'> {
  try {
    return await ledger.hold(subject, amountMicro, prices, null);
  } catch (error) {
    if (error instanceof CommonwealError && error.code === 'insufficient_credits') return 'refused';
    throw error;
  }
}

test('concurrent holds on two replicas never reserve more than the balance together', async (t) => {
  await withReplicas(t, 1_000, async ([a, b]) => {
    const attempts = Array.from({ length: 40 }, (_, i) => tryHold((i % 2 === 0 ? a : b).ledger, 100));
    const holds = (await Promise.all(attempts)).filter((h): h is CreditHold => h !== 'refused');
    assert.equal(holds.length, 10);
    assert.equal(await holdRows(a.store), 10);
    for (const hold of holds) hold.release();
    await waitFor(async () => (await holdRows(a.store)) === 0, 'released holds are deleted');
    assert.notEqual(await tryHold(b.ledger, 1_000), 'refused', 'released credits are available again');
  });
});

test("a charge ends its shared hold in the charge's transaction, and the charged credits stay taken", async (t) => {
  await withReplicas(t, 1_000, async ([a, b]) => {
    const hold = await tryHold(a.ledger, 600);
    assert.notEqual(hold, 'refused');
    const usage = { creditsPricedMicro: 500, creditsChargedMicro: 500, creditsWrittenOffMicro: 0 };
    await a.writer.submit((tx) =>
      (hold as CreditHold).writeCharge(tx, { id: 'req_1', createdAt: new Date().toISOString(), ...usage }),
    );
    assert.equal(await holdRows(a.store), 0);
    // Replica b never saw the charge in memory; the database tells it that 500 are left.
    assert.equal(await tryHold(b.ledger, 501), 'refused');
    assert.notEqual(await tryHold(b.ledger, 500), 'refused');
  });
});

test("a replica's sweep renews its own holds and deletes the expired holds of one that stopped", async (t) => {
  await withReplicas(t, 1_000, async ([a, b]) => {
    const kept = await tryHold(a.ledger, 300);
    const abandoned = await tryHold(b.ledger, 700);
    assert.notEqual(kept, 'refused');
    assert.notEqual(abandoned, 'refused');
    // Both holds were last renewed a TTL ago; b has stopped renewing (as if killed), a sweeps,
    // renewing its own hold on the way.
    await a.store.db
      .updateTable('ledgerRequestHolds')
      .set({ expiresAtMs: Date.now() - 1_000 })
      .execute();
    assert.equal(await a.ledger.expireHolds(), 1);
    assert.equal(await a.ledger.expireHolds(), 0, 'a second sweep finds nothing left to expire');
    assert.equal(await holdRows(a.store), 1);
    assert.equal(await tryHold(a.ledger, 701), 'refused', 'the renewed hold still reserves its 300');
    assert.notEqual(await tryHold(a.ledger, 700), 'refused');
  });
});

test('a hold fails closed with ledger_unavailable when the database cannot be reached', async (t) => {
  await withReplicas(t, 1_000, async ([a], url) => {
    const store = await openPostgresStore(url);
    const writer = new GroupCommitWriter(store);
    const cut = await Ledger.open(store, writer, { sharedHoldTtlMs: ttlMs });
    await writer.close();
    // Its pool is gone: every query fails, as it does when the server cannot be reached.
    await store.close();
    await assert.rejects(async () => cut.hold(subject, 100, prices, null), { code: 'ledger_unavailable', status: 503 });
    assert.notEqual(await tryHold(a.ledger, 100), 'refused', 'the other replica is not affected');
  });
});

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`timed out waiting: ${what}`);
}
