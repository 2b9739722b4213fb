import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCommitWriter, openSqliteStore, type Store } from '../store/index.js';
import type { CreditHold, MeteredUsage } from './credit-hold.js';
import { Ledger } from './ledger.js';
import { issuanceAccountId } from './ledger-account.js';

const subject = { organizationId: 'a', projectId: 'p', apiKeyId: 'k', modelId: 'm' };
const prices = { inputPriceMicroPerMtok: 1_000_000, outputPriceMicroPerMtok: 0 };
const createdAt = '2027-03-01T12:00:00.000Z';

type HoldBody = (hold: CreditHold, ledger: Ledger, writer: GroupCommitWriter, store: Store) => Promise<void>;

async function withHold(body: HoldBody) {
  const store = await openSqliteStore(':memory:');
  const writer = new GroupCommitWriter(store);
  try {
    const ledger = await Ledger.open(store, writer);
    await ledger.openAccount({ id: 'org:a', kind: 'organization', organizationId: 'a' });
    await ledger.transfer({
      id: 'd1',
      debitAccountId: issuanceAccountId,
      creditAccountId: 'org:a',
      amountMicro: 1_000,
      code: 'deposit',
    });
    await body(await ledger.hold(subject, 100, prices, null), ledger, writer, store);
  } finally {
    await writer.close();
    await store.close();
  }
}

async function chargeRows(store: Store): Promise<string[]> {
  const rows = await store.db
    .selectFrom('ledgerTransfers')
    .select('id')
    .where('usageRecordId', 'is not', null)
    .execute();
  return rows.map((row) => row.id).sort();
}

const usage = (credits: Omit<MeteredUsage, 'id' | 'createdAt'>): MeteredUsage => ({
  id: 'req_1',
  createdAt,
  ...credits,
});

test('a charge beyond its hold is refused as a broken invariant, and writes nothing', async () => {
  await withHold(async (hold, ledger, writer, store) => {
    const beyond = usage({ creditsPricedMicro: 101, creditsChargedMicro: 101, creditsWrittenOffMicro: 0 });
    await assert.rejects(
      writer.submit((tx) => hold.writeCharge(tx, beyond)),
      {
        name: 'InvariantViolation',
        message: 'a charge never exceeds its hold',
      },
    );
    assert.deepEqual(await chargeRows(store), []);
    assert.equal(ledger.account('org:a')?.balanceMicro, 1_000);
    // The hold is still whole: the price it gives is charged as usual.
    await writer.submit((tx) => hold.writeCharge(tx, usage(hold.price({ promptTokens: 101, completionTokens: 0 }))));
    assert.deepEqual(await chargeRows(store), ['charge:req_1', 'write-off:req_1']);
    assert.equal(ledger.account('org:a')?.balanceMicro, 900);
  });
});

test('a charge whose price is not charged plus written off is refused as a broken invariant', async () => {
  await withHold(async (hold, ledger, writer, store) => {
    for (const broken of [
      usage({ creditsPricedMicro: 120, creditsChargedMicro: 100, creditsWrittenOffMicro: 0 }),
      usage({ creditsPricedMicro: 90, creditsChargedMicro: 100, creditsWrittenOffMicro: -10 }),
    ]) {
      await assert.rejects(
        writer.submit((tx) => hold.writeCharge(tx, broken)),
        {
          name: 'InvariantViolation',
          message: 'a priced request is charged or written off, to the micro-credit',
        },
      );
    }
    assert.deepEqual(await chargeRows(store), []);
    assert.equal(ledger.account('org:a')?.balanceMicro, 1_000);
  });
});
