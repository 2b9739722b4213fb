import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testOnEachStore } from '../../test/helpers/each-store.js';
import { usageInput } from '../../test/helpers/usage-input.js';
import { ExchangeDigest, findReceipt, TransparencyLog } from '../audit/index.js';
import type { Site } from '../catalog/index.js';
import { InvariantViolation } from '../errors/index.js';
import { issuanceAccountId, Ledger } from '../ledger/index.js';
import { newUsageRecord, UsageRepository } from '../metering/index.js';
import { GroupCommitWriter, type Store } from '../store/index.js';
import type { InferenceRequest } from './inference-request.js';
import { settleRequest } from './settle-request.js';

const prices = { inputPriceMicroPerMtok: 1_000_000, outputPriceMicroPerMtok: 1_000_000 };
const subject = { organizationId: 'org_a', projectId: 'prj_a', apiKeyId: 'key_a', modelId: 'qwen3-8b' };
const site = { accelerators: [{ vendor: 'nvidia', type: 'H200' }] } as unknown as Site;

async function rig(store: Store) {
  const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
  const ledger = await Ledger.open(store, writer);
  await ledger.openAccount({ id: 'org:a', kind: 'organization', organizationId: 'org_a' });
  await ledger.transfer({
    id: 'd1',
    debitAccountId: issuanceAccountId,
    creditAccountId: 'org:a',
    amountMicro: 100,
    code: 'deposit',
  });
  const deps = { usage: new UsageRepository(store), receipts: new TransparencyLog(store) };
  /** Settles request `id` of 30 prompt tokens against a hold of `holdMicro`, as the proxy does. */
  const settle = async (id: string, holdMicro: number) => {
    const hold = await ledger.hold(subject, holdMicro, prices, null);
    const record = newUsageRecord(
      usageInput(id, {
        promptTokens: 30,
        completionTokens: 0,
        totalTokens: 30,
        ...hold.price({ promptTokens: 30, completionTokens: 0 }),
      }),
    );
    const request = { hold, digest: new ExchangeDigest(Buffer.from('{}')) } as unknown as InferenceRequest;
    return writer
      .submit((tx) => settleRequest(tx, deps, record, { request, routed: null, site }))
      .finally(() => hold.release());
  };
  return { writer, ledger, deps, settle };
}

testOnEachStore(
  'a request is settled whole: its charge, its receipt stating it, and its record keeping the receipt',
  async (_t, store) => {
    const { writer, ledger, deps, settle } = await rig(store);
    try {
      await settle('req_1', 50);
      assert.equal(ledger.account('org:a')?.balanceMicro, 70, 'memory follows the commit');
      const leaf = (await findReceipt(deps.usage, deps.receipts, 'req_1'))!;
      assert.equal((JSON.parse(leaf.text) as { creditsChargedMicro: number }).creditsChargedMicro, 30);
      const row = await store.db
        .selectFrom('usageRecords')
        .select(['receiptLeaf', 'creditsChargedMicro'])
        .where('id', '=', 'req_1')
        .executeTakeFirstOrThrow();
      assert.deepEqual([row.receiptLeaf, row.creditsChargedMicro], [leaf.index, 30]);
      const [record] = (await deps.usage.query({}, { limit: 1 })).data;
      assert.equal(
        Object.hasOwn(record!, 'receiptLeaf'),
        false,
        "the leaf index is the log's business, not part of the record a client reads",
      );
    } finally {
      await writer.close();
    }
  },
);

testOnEachStore(
  'a charge the database refuses leaves no record and no receipt: all of a settlement or none',
  async (_t, store) => {
    const { writer, ledger, deps, settle } = await rig(store);
    try {
      // The balance is taken away behind memory's back, so that the database's floor check refuses the charge.
      await sql`update ledger_accounts set credits_posted_micro = 0 where id = 'org:a'`.execute(store.db);
      await assert.rejects(settle('req_refused', 50), { code: 'insufficient_credits' });
      assert.equal(await store.db.selectFrom('usageRecords').select('id').executeTakeFirst(), undefined);
      assert.equal(await deps.receipts.size(), 0);
      assert.equal(ledger.account('org:a')?.balanceMicro, 100, 'memory never saw the refused charge');
    } finally {
      await writer.close();
    }
  },
);

testOnEachStore(
  'a request with a hold but an unpriced record is refused as a bug, and nothing is written',
  async (_t, store) => {
    const { writer, ledger, deps } = await rig(store);
    try {
      const hold = await ledger.hold(subject, 50, prices, null);
      const record = newUsageRecord(usageInput('req_unpriced'));
      const request = { hold, digest: new ExchangeDigest(Buffer.from('{}')) } as unknown as InferenceRequest;
      await assert.rejects(
        writer.submit((tx) => settleRequest(tx, deps, record, { request, routed: null, site })),
        InvariantViolation,
      );
      hold.release();
      assert.equal(await store.db.selectFrom('usageRecords').select('id').executeTakeFirst(), undefined);
      assert.equal(await deps.receipts.size(), 0);
      assert.equal(ledger.account('org:a')?.balanceMicro, 100);
    } finally {
      await writer.close();
    }
  },
);
