import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { TestContext } from 'node:test';
import { testFacts } from '../../test/helpers/audit-log-fixture.js';
import { usageInput } from '../../test/helpers/usage-input.js';
import { testOnEachStore } from '../../test/helpers/each-store.js';
import { TestUsageRecorder } from '../../test/helpers/test-usage-recorder.js';
import { UsageRepository } from '../metering/index.js';
import { GroupCommitWriter, type Store } from '../store/index.js';
import { AdminChangeLog } from './admin-change-log.js';
import { findReceipt } from './find-receipt.js';
import { CheckpointPublisher } from './checkpoint-publisher.js';
import { LogSigner } from './log-signer.js';
import type { Receipt } from './receipt.js';
import { type ReceiptBundle, ReceiptVerificationError, verifyReceiptBundle } from './receipt-bundle.js';
import { verifyStoredLog } from './verify-stored-log.js';
import { TransparencyLog } from './transparency-log.js';

/*
 * Receipts written as the gateway writes them, with their usage records, then checked
 * whole and one by one, on both stores.
 */

async function receipts(t: TestContext, store: Store): Promise<void> {
  const writer = new GroupCommitWriter(store);
  const log = new TransparencyLog(store);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = new LogSigner('test.example/log', privateKey, publicKey);
  const checkpoints = new CheckpointPublisher({
    store,
    writer,
    log,
    signer,
    intervalMs: 60_000,
    onError: () => undefined,
  });
  const usage = new UsageRepository(store);
  const recorder = new TestUsageRecorder(writer, usage, log);
  const admin = new AdminChangeLog(writer, log);
  try {
    await t.test('every receipt and admin change verifies, whole and one by one', async () => {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          recorder.recordUsage(usageInput(`req_${i}`, { policyVersion: i % 3 === 0 ? null : 4 }), testFacts),
        ),
      );
      const change = await writer.submit((tx) =>
        admin.appendAdminChange(tx, {
          actor: { kind: 'org_admin', organizationId: 'org_a', keyId: 'key_x' },
          action: 'revoke',
          resource: 'api_key',
          resourceId: 'key_y',
          organizationId: 'org_a',
          before: { id: 'key_y', revokedAt: null },
          after: { id: 'key_y', revokedAt: '2027-01-01T00:00:00.000Z' },
        }),
      );
      assert.match(change.beforeSha256 ?? '', /^[0-9a-f]{64}$/);
      await Promise.all(
        Array.from({ length: 5 }, (_, i) => recorder.recordUsage(usageInput(`req_late_${i}`), testFacts)),
      );
      const checkpoint = await checkpoints.publish();
      assert.equal(checkpoint.size, 36);
      assert.equal((await checkpoints.publish()).note, checkpoint.note, 'an unchanged tree gets no second checkpoint');
      const report = await verifyStoredLog(store, signer.key);
      assert.deepEqual(report.problems, []);
      assert.deepEqual([report.leaves, report.receipts, report.adminChanges, report.checkpoints], [36, 35, 1, 1]);

      const leaf = (await findReceipt(usage, log, 'req_7'))!;
      assert.equal(leaf.organizationId, usageInput('req_7').organizationId);
      assert.equal(await findReceipt(usage, log, change.id), undefined, 'an admin change is no receipt');
      assert.equal(await findReceipt(usage, log, 'req_unknown'), undefined);
      const bundle: ReceiptBundle = {
        object: 'receipt_bundle',
        version: 1,
        receipt: JSON.parse(leaf.text) as Receipt,
        leafIndex: leaf.index,
        treeSize: checkpoint.size,
        inclusionProof: (await log.inclusionProof(leaf.index, checkpoint.size)).map((h) => h.toString('base64')),
        checkpoint: checkpoint.note,
      };
      assert.equal(verifyReceiptBundle(bundle, signer.key).receipt.policyVersion, 4);
      assert.throws(
        () => verifyReceiptBundle({ ...bundle, receipt: { ...bundle.receipt, jurisdiction: 'US' } }, signer.key),
        ReceiptVerificationError,
      );
      assert.throws(
        () => verifyReceiptBundle({ ...bundle, leafIndex: bundle.leafIndex + 1 }, signer.key),
        ReceiptVerificationError,
      );
    });

    await t.test(
      'a second request with an id already receipted is refused whole: no second leaf, and the first receipt is still the one found',
      async () => {
        const size = await log.size();
        const first = (await findReceipt(usage, log, 'req_3'))!;
        await assert.rejects(
          recorder.recordUsage(
            usageInput('req_3', { completionTokens: 99, totalTokens: 99 + usageInput('req_3').promptTokens }),
            testFacts,
          ),
        );
        assert.equal(await log.size(), size);
        assert.deepEqual(await findReceipt(usage, log, 'req_3'), first);
      },
    );
  } finally {
    await checkpoints.stop();
    await writer.close();
  }
}

testOnEachStore('receipts', receipts);
