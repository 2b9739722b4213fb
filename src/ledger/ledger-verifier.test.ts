import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { UsageRepository } from '../metering/index.js';
import { GroupCommitWriter, type Store } from '../store/index.js';
import { testOnEachStore } from '../../test/helpers/each-store.js';
import { usageRecord } from '../../test/helpers/usage-input.js';
import { Ledger } from './ledger.js';
import { issuanceAccountId, revenueAccountId, writeOffAccountId } from './ledger-account.js';
import { verifyLedger } from './ledger-verifier.js';

const subject = { organizationId: 'org_a', projectId: 'prj_a', apiKeyId: 'key_a', modelId: 'qwen3-8b' };
const prices = { inputPriceMicroPerMtok: 1_000_000, outputPriceMicroPerMtok: 1_000_000 };
const deposit = (id: string, amountMicro: number) => ({
  id,
  debitAccountId: issuanceAccountId,
  creditAccountId: 'org:a',
  amountMicro,
  code: 'deposit' as const,
});

async function withLedger(
  store: Store,
  body: (ledger: Ledger, writer: GroupCommitWriter) => Promise<void>,
): Promise<void> {
  const writer = new GroupCommitWriter(store);
  try {
    const ledger = await Ledger.open(store, writer);
    await ledger.openAccount({ id: 'org:a', kind: 'organization', organizationId: 'org_a' });
    await body(ledger, writer);
  } finally {
    await writer.close();
  }
}

/** Charges `promptTokens` against a hold of `holdMicro`, with the request's usage record, as the gateway does. */
async function settle(
  ledger: Ledger,
  writer: GroupCommitWriter,
  store: Store,
  id: string,
  holdMicro: number,
  promptTokens: number,
) {
  const hold = await ledger.hold(subject, holdMicro, prices, null);
  const credits = hold.price({ promptTokens, completionTokens: 0 });
  const record = usageRecord(id, new Date().toISOString(), {
    promptTokens,
    completionTokens: 0,
    totalTokens: promptTokens,
    ...credits,
  });
  const usage = new UsageRepository(store);
  await writer.submit(async (tx) => {
    await hold.writeCharge(tx, { id, createdAt: record.createdAt, ...credits });
    await usage.record(tx, record);
  });
  hold.release();
  return credits;
}

testOnEachStore('a sum past 2^53 - 1 is refused, never rounded, and the books stay exact', async (_t, store) => {
  await withLedger(store, async (ledger) => {
    await ledger.transfer(deposit('d1', Number.MAX_SAFE_INTEGER));
    await assert.rejects(ledger.transfer(deposit('d2', 1)), { code: 'ledger_limit_reached' });
    await assert.rejects(ledger.transfer(deposit('d3', 1)), { code: 'ledger_limit_reached' });
    assert.equal(ledger.account('org:a')?.balanceMicro, Number.MAX_SAFE_INTEGER);
    assert.equal(ledger.account(issuanceAccountId)?.debitsPostedMicro, Number.MAX_SAFE_INTEGER);
    const reloaded = await Ledger.open(store, ledger.writer);
    assert.equal(
      reloaded.account('org:a')?.balanceMicro,
      Number.MAX_SAFE_INTEGER,
      'nothing of the refused deposits was written',
    );
    assert.deepEqual((await verifyLedger(store.db, Date.now(), 0)).problems, []);
  });
});

testOnEachStore('ledger verify compares sums exactly, past what a number holds', async (_t, store) => {
  await withLedger(store, async (ledger) => {
    await ledger.transfer(deposit('d1', Number.MAX_SAFE_INTEGER));
    // As a store written before the range check could hold: transfers that add up to 2^53 + 1
    // beside sums of 2^53. Both read as the same number, so only an exact comparison sees it.
    const row = await store.db
      .selectFrom('ledgerTransfers')
      .selectAll()
      .where('id', '=', 'd1')
      .executeTakeFirstOrThrow();
    const { seq: _seq, ...transfer } = row;
    await store.db
      .insertInto('ledgerTransfers')
      .values({ ...transfer, id: 'd2', amountMicro: 2 })
      .execute();
    const twoTo53 = String(2n ** 53n);
    await sql`update ledger_accounts set credits_posted_micro = ${sql.lit(twoTo53)} where id = 'org:a'`.execute(
      store.db,
    );
    await sql`update ledger_accounts set debits_posted_micro = ${sql.lit(twoTo53)} where id = 'issuance'`.execute(
      store.db,
    );
    const problems = (await verifyLedger(store.db, Date.now(), 0)).problems;
    const differs = (id: string) => problems.find((p) => p.startsWith(`account ${id}: stored sums`));
    assert.match(
      differs('org:a') ?? '',
      new RegExp(`"creditsPostedMicro":${twoTo53},.* differ .*"creditsPostedMicro":${2n ** 53n + 1n},`),
    );
    assert.match(differs(issuanceAccountId) ?? '', /differ from its transfers/);
    assert.ok(
      problems.includes(`account org:a: a sum is past ${Number.MAX_SAFE_INTEGER}, the most every layer holds exactly`),
    );
  });
});

testOnEachStore(
  'usage beyond the hold is written off: priced = charged + written off, and verify checks it',
  async (_t, store) => {
    await withLedger(store, async (ledger, writer) => {
      await ledger.transfer(deposit('d1', 1_000));
      const credits = await settle(ledger, writer, store, 'req_over', 100, 250);
      assert.deepEqual(credits, { creditsPricedMicro: 250, creditsChargedMicro: 100, creditsWrittenOffMicro: 150 });
      assert.equal(ledger.account('org:a')?.balanceMicro, 900, 'the organization pays no more than it held');
      assert.equal(ledger.account(writeOffAccountId)?.balanceMicro, -150);
      assert.equal(ledger.account(revenueAccountId)?.balanceMicro, 250, 'revenue counts every token priced');
      await settle(ledger, writer, store, 'req_within', 100, 40);
      assert.deepEqual((await verifyLedger(store.db, Date.now(), 0)).problems, []);

      await store.db
        .updateTable('usageRecords')
        .set({ creditsWrittenOffMicro: 149 })
        .where('id', '=', 'req_over')
        .execute();
      await store.db
        .updateTable('usageRecords')
        .set({ creditsChargedMicro: 39, creditsWrittenOffMicro: 1 })
        .where('id', '=', 'req_within')
        .execute();
      assert.deepEqual((await verifyLedger(store.db, Date.now(), 0)).problems, [
        'usage record req_over: priced 250, charged 100 and written off 149, but the ledger has charges of 100 and write-offs of 150',
        'usage record req_within: priced 40, charged 39 and written off 1, but the ledger has charges of 40 and write-offs of 0',
      ]);
    });
  },
);
