import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCommitWriter, openSqliteStore } from '../store/index.js';
import { delta, transferDeltas } from './account-delta.js';
import { Ledger } from './ledger.js';
import { issuanceAccountId, revenueAccountId } from './ledger-account.js';
import { LedgerRepository } from './ledger-repository.js';
import type { Charge, TransferRow } from './ledger-transfer.js';

const createdAt = '2027-03-01T12:00:00.000Z';
const tags = {
  usageRecordId: 'req_1',
  organizationId: 'a',
  projectId: 'p',
  apiKeyId: 'k',
  modelId: 'm',
  programId: null,
};
const charge: Charge = { id: 'charge:req_1', debitAccountId: 'org:a', amountMicro: 50, createdAt, ...tags };
const row: TransferRow = {
  id: 'x1',
  type: 'single',
  code: 'transfer',
  debitAccountId: 'org:a',
  creditAccountId: revenueAccountId,
  amountMicro: 50,
  pendingId: null,
  timeoutAt: null,
  reversesId: null,
  memo: null,
  createdAt,
  ...tags,
};
// Takes 50 from the organization and gives revenue 40: ten micro-credits would vanish.
const lopsided = [delta('org:a', 50, 0, 0, 0), delta(revenueAccountId, 0, 40, 0, 0)];

test('a transfer that debits other than it credits is refused as a broken invariant, and writes nothing', async () => {
  const store = await openSqliteStore(':memory:');
  const writer = new GroupCommitWriter(store);
  try {
    const ledger = await Ledger.open(store, writer);
    await ledger.openAccount({ id: 'org:a', kind: 'organization', organizationId: 'a' });
    await ledger.transfer({
      id: 'd1',
      debitAccountId: issuanceAccountId,
      creditAccountId: 'org:a',
      amountMicro: 100,
      code: 'deposit',
    });
    const repository = new LedgerRepository(store);
    const transfersBefore = await store.db.selectFrom('ledgerTransfers').select('id').execute();
    for (const write of [
      () => writer.submit((tx) => repository.writeTransfer(tx.db, row, lopsided)),
      () => writer.submit((tx) => repository.writeCharge(tx, charge, lopsided)),
      () => writer.submit((tx) => repository.writeOff(tx, row, lopsided)),
    ]) {
      await assert.rejects(write(), {
        name: 'InvariantViolation',
        message: 'a transfer debits exactly what it credits',
      });
    }
    assert.deepEqual(await store.db.selectFrom('ledgerTransfers').select('id').execute(), transfersBefore);
    const debited = () => store.db.selectFrom('ledgerAccounts').select('debitsPostedMicro').where('id', '=', 'org:a');
    assert.equal((await debited().executeTakeFirstOrThrow()).debitsPostedMicro, 0);
    // The same charge, balanced, goes through.
    const balanced = transferDeltas('single', 'org:a', revenueAccountId, 50);
    await writer.submit((tx) => repository.writeCharge(tx, charge, balanced));
    assert.equal((await debited().executeTakeFirstOrThrow()).debitsPostedMicro, 50);
  } finally {
    await writer.close();
    await store.close();
  }
});
