import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CommonwealError } from '../errors/index.js';
import { UsageRepository } from '../metering/index.js';
import { GroupCommitWriter, openPostgresStore, openSqliteStore, type Store } from '../store/index.js';
import { requireService } from '../../test/helpers/require-service.js';
import { createTempPostgresDatabase, postgresService } from '../../test/helpers/temp-postgres-database.js';
import { usageRecord } from '../../test/helpers/usage-input.js';
import { Ledger } from './ledger.js';
import { issuanceAccountId, revenueAccountId } from './ledger-account.js';
import { verifyLedger } from './ledger-verifier.js';
import { LedgerRepository } from './ledger-repository.js';
import { transferDeltas } from './account-delta.js';

interface Rig {
  readonly store: Store;
  readonly writer: GroupCommitWriter;
  readonly ledger: Ledger;
  readonly clock: { ms: number };
  close(): Promise<void>;
}

async function rig(path = ':memory:'): Promise<Rig> {
  const store = await openSqliteStore(path);
  const writer = new GroupCommitWriter(store);
  const clock = { ms: Date.parse('2027-03-01T12:00:00Z') };
  const ledger = await Ledger.open(store, writer, { now: () => clock.ms });
  await ledger.openAccount({ id: 'org:a', kind: 'organization', organizationId: 'a' });
  await ledger.openAccount({ id: 'org:b', kind: 'organization', organizationId: 'b' });
  return {
    store,
    writer,
    ledger,
    clock,
    async close() {
      await writer.close();
      await store.close();
    },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonwealError) return error.code;
    throw error;
  }
  return 'ok';
}

const deposit = (id: string, amountMicro: number) => ({
  id,
  debitAccountId: issuanceAccountId,
  creditAccountId: 'org:a',
  amountMicro,
  code: 'deposit' as const,
});

test('a transfer is double-entry: the balances always sum to zero, the issuance account going negative', async () => {
  const r = await rig();
  try {
    await r.ledger.transfer(deposit('d1', 5_000));
    await r.ledger.transfer({
      id: 't1',
      debitAccountId: 'org:a',
      creditAccountId: 'org:b',
      amountMicro: 1_200,
      code: 'transfer',
    });
    assert.equal(r.ledger.account('org:a')?.balanceMicro, 3_800);
    assert.equal(r.ledger.account('org:b')?.balanceMicro, 1_200);
    assert.equal(r.ledger.account(issuanceAccountId)?.balanceMicro, -5_000);
    assert.equal(
      r.ledger.accounts().reduce((sum, a) => sum + a.balanceMicro, 0),
      0,
    );
    assert.equal((await verifyLedger(r.store.db, r.clock.ms, 0)).ok, true);
  } finally {
    await r.close();
  }
});

test('the same id with the same content returns the first transfer; with other content, 409', async () => {
  const r = await rig();
  try {
    const first = await r.ledger.transfer(deposit('d1', 5_000));
    assert.equal(first.created, true);
    const again = await r.ledger.transfer(deposit('d1', 5_000));
    assert.equal(again.created, false);
    assert.equal(again.transfer.id, 'd1');
    assert.equal(await codeOf(r.ledger.transfer(deposit('d1', 5_001))), 'idempotency_conflict');
    assert.equal(r.ledger.account('org:a')?.balanceMicro, 5_000, 'the retry moved nothing');
    // Concurrent retries of one id: exactly one of them creates it.
    const racing = await Promise.all(Array.from({ length: 8 }, () => r.ledger.transfer(deposit('d2', 10))));
    assert.equal(racing.filter((result) => result.created).length, 1);
    assert.equal(r.ledger.account('org:a')?.balanceMicro, 5_010);
  } finally {
    await r.close();
  }
});

test('no overdraft: a debit beyond the floor is refused with 402, even when many race for the same credits', async () => {
  const r = await rig();
  try {
    await r.ledger.transfer(deposit('d1', 1_000));
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        codeOf(
          r.ledger.transfer({
            id: `spend-${i}`,
            debitAccountId: 'org:a',
            creditAccountId: revenueAccountId,
            amountMicro: 100,
            code: 'transfer',
          }),
        ),
      ),
    );
    assert.equal(attempts.filter((c) => c === 'ok').length, 10);
    assert.equal(attempts.filter((c) => c === 'insufficient_credits').length, 10);
    assert.equal(r.ledger.account('org:a')?.balanceMicro, 0);
  } finally {
    await r.close();
  }
});

test('the charges of one group commit change each balance once, and the database still refuses a batch that would overdraw', async () => {
  const r = await rig();
  try {
    await r.ledger.transfer(deposit('d1', 100));
    const repository = new LedgerRepository(r.store);
    const usage = new UsageRepository(r.store);
    const createdAt = new Date(r.clock.ms).toISOString();
    const charge = (id: string, amountMicro: number) =>
      r.writer.submit(async (tx) => {
        await usage.record(
          tx,
          usageRecord(id, createdAt, { organizationId: 'a', projectId: 'p', apiKeyId: 'k', modelId: 'm' }),
        );
        await repository.writeCharge(
          tx,
          {
            id: `charge:${id}`,
            debitAccountId: 'org:a',
            amountMicro,
            usageRecordId: id,
            organizationId: 'a',
            projectId: 'p',
            apiKeyId: 'k',
            modelId: 'm',
            programId: null,
            createdAt,
          },
          transferDeltas('single', 'org:a', revenueAccountId, amountMicro),
        );
      });
    const before = r.writer.stats().transactionsCommitted;
    // Written straight to the repository, past the in-memory holds that would refuse the third.
    const results = await Promise.allSettled([charge('c1', 40), charge('c2', 40), charge('c3', 40)]);
    assert.deepEqual(
      results.map((result) => (result.status === 'fulfilled' ? 'ok' : (result.reason as CommonwealError).code)),
      ['ok', 'ok', 'insufficient_credits'],
    );
    assert.ok(r.writer.stats().transactionsCommitted - before <= 3);
    const stored = await r.store.db
      .selectFrom('ledgerAccounts')
      .select(['id', 'debitsPostedMicro', 'creditsPostedMicro'])
      .where('id', 'in', ['org:a', revenueAccountId])
      .orderBy('id')
      .execute();
    assert.deepEqual(stored, [
      { id: 'org:a', debitsPostedMicro: 80, creditsPostedMicro: 100 },
      { id: revenueAccountId, debitsPostedMicro: 0, creditsPostedMicro: 80 },
    ]);
    assert.deepEqual((await verifyLedger(r.store.db, r.clock.ms, 0)).problems, []);
  } finally {
    await r.close();
  }
});

test('a hold reserves, is posted for less exactly once, and the rest returns', async () => {
  const r = await rig();
  try {
    await r.ledger.transfer(deposit('d1', 1_000));
    await r.ledger.transfer({
      id: 'h1',
      debitAccountId: 'org:a',
      creditAccountId: revenueAccountId,
      amountMicro: 800,
      code: 'charge',
      timeoutMs: 60_000,
    });
    assert.equal(r.ledger.account('org:a')?.availableMicro, 200);
    assert.equal(
      await codeOf(
        r.ledger.transfer({
          id: 't1',
          debitAccountId: 'org:a',
          creditAccountId: 'org:b',
          amountMicro: 300,
          code: 'transfer',
        }),
      ),
      'insufficient_credits',
    );
    assert.equal(await codeOf(r.ledger.post('h1', { id: 'p1', amountMicro: 801 })), 'invalid_request');
    await r.ledger.post('h1', { id: 'p1', amountMicro: 500 });
    assert.equal(
      (await r.ledger.post('h1', { id: 'p1', amountMicro: 500 })).created,
      false,
      'a retried post is the same post',
    );
    assert.equal(await codeOf(r.ledger.post('h1', { id: 'p2' })), 'conflict');
    assert.equal(await codeOf(r.ledger.void('h1', { id: 'v1' })), 'conflict');
    assert.equal(r.ledger.account('org:a')?.balanceMicro, 500);
    assert.equal(r.ledger.account('org:a')?.availableMicro, 500);
    assert.equal(r.ledger.account(revenueAccountId)?.balanceMicro, 500);
  } finally {
    await r.close();
  }
});

test('a hold that times out is voided by the sweep and can no longer be posted', async () => {
  const r = await rig();
  try {
    await r.ledger.transfer(deposit('d1', 1_000));
    await r.ledger.transfer({
      id: 'h1',
      debitAccountId: 'org:a',
      creditAccountId: revenueAccountId,
      amountMicro: 700,
      code: 'charge',
      timeoutMs: 5_000,
    });
    assert.equal(await r.ledger.expireHolds(), 0);
    r.clock.ms += 5_000;
    assert.equal(await codeOf(r.ledger.post('h1', { id: 'p1' })), 'conflict');
    assert.equal(await r.ledger.expireHolds(), 1);
    assert.equal(r.ledger.account('org:a')?.availableMicro, 1_000);
    assert.equal(r.ledger.openHolds().length, 0);
    assert.equal((await verifyLedger(r.store.db, r.clock.ms, 0)).ok, true);
  } finally {
    await r.close();
  }
});

test('a correction is a new reversing transfer, made at most once; the original stays', async () => {
  const r = await rig();
  try {
    await r.ledger.transfer(deposit('d1', 1_000));
    const reversal = await r.ledger.reverse('d1', { id: 'fix-1', memo: 'deposited twice by mistake' });
    assert.equal(reversal.transfer.reversesId, 'd1');
    assert.equal(reversal.transfer.debitAccountId, 'org:a');
    assert.equal(r.ledger.account('org:a')?.balanceMicro, 0);
    assert.equal(await codeOf(r.ledger.reverse('d1', { id: 'fix-2' })), 'conflict');
    const rows = await r.store.db.selectFrom('ledgerTransfers').select('id').orderBy('seq').execute();
    assert.deepEqual(
      rows.map((row) => row.id),
      ['d1', 'fix-1'],
    );
  } finally {
    await r.close();
  }
});

test('after a restart, balances and open holds are rebuilt from the database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-ledger-'));
  const path = join(dir, 'ledger.sqlite');
  try {
    const first = await rig(path);
    await first.ledger.transfer(deposit('d1', 1_000));
    await first.ledger.transfer({
      id: 'h1',
      debitAccountId: 'org:a',
      creditAccountId: 'org:b',
      amountMicro: 400,
      code: 'transfer',
      timeoutMs: 60_000,
    });
    await first.close();
    const second = await rig(path);
    try {
      assert.equal(second.ledger.account('org:a')?.balanceMicro, 1_000);
      assert.equal(second.ledger.account('org:a')?.availableMicro, 600);
      await second.ledger.post('h1', { id: 'p1' });
      assert.equal(second.ledger.account('org:b')?.balanceMicro, 400);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on PostgreSQL: transfers, holds, idempotency, floors and verification behave the same', async (t) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  const store = await openPostgresStore(database.url);
  const writer = new GroupCommitWriter(store);
  try {
    const ledger = await Ledger.open(store, writer);
    await ledger.openAccount({ id: 'org:a', kind: 'organization', organizationId: 'a' });
    await ledger.transfer(deposit('d1', 1_000));
    assert.equal((await ledger.transfer(deposit('d1', 1_000))).created, false);
    assert.equal(await codeOf(ledger.transfer(deposit('d1', 2))), 'idempotency_conflict');
    await ledger.transfer({
      id: 'h1',
      debitAccountId: 'org:a',
      creditAccountId: revenueAccountId,
      amountMicro: 600,
      code: 'charge',
      timeoutMs: 60_000,
    });
    assert.equal(
      await codeOf(
        ledger.transfer({
          id: 't1',
          debitAccountId: 'org:a',
          creditAccountId: revenueAccountId,
          amountMicro: 401,
          code: 'transfer',
        }),
      ),
      'insufficient_credits',
    );
    await ledger.post('h1', { id: 'p1', amountMicro: 250 });
    const hold = await ledger.hold(
      { organizationId: 'a', projectId: 'p', apiKeyId: 'k', modelId: 'm' },
      100,
      { inputPriceMicroPerMtok: 1_000_000, outputPriceMicroPerMtok: 0 },
      null,
    );
    await store.db.insertInto('usageRecords').values(usageRow('req_pg')).execute();
    await writer.submit((tx) =>
      hold.writeCharge(tx, {
        id: 'req_pg',
        createdAt: new Date().toISOString(),
        ...hold.price({ promptTokens: 30, completionTokens: 0 }),
      }),
    );
    hold.release();
    assert.equal(ledger.account('org:a')?.balanceMicro, 1_000 - 250 - 30);
    const reloaded = await Ledger.open(store, writer);
    assert.equal(reloaded.account('org:a')?.balanceMicro, 720, 'the database is the truth at start');
    assert.deepEqual((await verifyLedger(store.db, Date.now(), 0)).problems, []);
    await store.db
      .insertInto('usageRecords')
      .values({ ...usageRow('req_free'), createdAt: new Date().toISOString() })
      .execute();
    assert.deepEqual((await verifyLedger(store.db, Date.now(), 0)).problems, [
      'usage record req_free has no charge transfer',
    ]);
  } finally {
    await writer.close();
    await store.close();
    await database.drop();
  }
});

test('ledger verify names every usage record of a metered organization that has no charge, and no other', async () => {
  const r = await rig();
  try {
    await r.ledger.transfer(deposit('d1', 1_000));
    const at = new Date(r.clock.ms + 1_000).toISOString();
    await r.store.db
      .insertInto('usageRecords')
      .values([
        { ...usageRow('req_charged'), createdAt: at },
        { ...usageRow('req_free'), createdAt: at },
      ])
      .execute();
    const hold = await r.ledger.hold(
      { organizationId: 'a', projectId: 'p', apiKeyId: 'k', modelId: 'm' },
      100,
      { inputPriceMicroPerMtok: 1_000_000, outputPriceMicroPerMtok: 0 },
      null,
    );
    await r.writer.submit((tx) =>
      hold.writeCharge(tx, {
        id: 'req_charged',
        createdAt: at,
        ...hold.price({ promptTokens: 30, completionTokens: 0 }),
      }),
    );
    hold.release();
    assert.deepEqual((await verifyLedger(r.store.db, r.clock.ms, 0)).problems, [
      'usage record req_free has no charge transfer',
    ]);
  } finally {
    await r.close();
  }
});

function usageRow(id: string) {
  return {
    id,
    createdAt: new Date(0).toISOString(),
    organizationId: 'a',
    projectId: 'p',
    apiKeyId: 'k',
    modelId: 'm',
    endpoint: 'chat.completions',
    deploymentId: null,
    siteId: null,
    jurisdiction: null,
    promptTokens: 30,
    completionTokens: 0,
    totalTokens: 30,
    usageEstimated: 0,
    firstByteMs: null,
    totalMs: 1,
    status: 200,
    outcome: 'success',
    errorCode: null,
    streamed: 0,
  };
}

test('reservedMicro sums what holds reserve in every account, and falls back as they end', async () => {
  const r = await rig();
  try {
    await r.ledger.transfer(deposit('d-reserved', 1_000));
    const subject = { organizationId: 'a', projectId: 'p', apiKeyId: 'k', modelId: 'm' };
    const prices = { inputPriceMicroPerMtok: 1_000_000, outputPriceMicroPerMtok: 0 };
    assert.equal(r.ledger.reservedMicro(), 0);
    const first = await r.ledger.hold(subject, 300, prices, null);
    const second = await r.ledger.hold(subject, 200, prices, null);
    assert.equal(r.ledger.reservedMicro(), 500);
    first.release();
    assert.equal(r.ledger.reservedMicro(), 200);
    second.release();
    assert.equal(r.ledger.reservedMicro(), 0);
  } finally {
    await r.close();
  }
});
