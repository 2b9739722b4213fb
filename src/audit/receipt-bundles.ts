import type { UsageRepository } from '../metering/index.js';
import type { CheckpointPublisher } from './checkpoint-publisher.js';
import { findReceipt } from './find-receipt.js';
import type { Receipt } from './receipt.js';
import { type ReceiptBundle, receiptBundleVersion } from './receipt-bundle.js';
import type { TransparencyLog } from './transparency-log.js';

export interface ReceiptBundleParts {
  readonly log: TransparencyLog;
  /** Where each receipt's leaf is: its usage record keeps the index. */
  readonly usage: UsageRepository;
  readonly checkpoints: CheckpointPublisher;
}

/** A receipt's bundle and the organization it belongs to, which decides who may read it. */
export interface FoundReceiptBundle {
  readonly organizationId: string;
  readonly bundle: ReceiptBundle;
}

const receiptIdLengthMax = 128;

/**
 * Receipt bundles, for the log's own endpoint and the management API alike: the receipt,
 * its inclusion proof and a signed checkpoint that covers it (signed now if none does yet).
 */
export class ReceiptBundles {
  readonly #parts: ReceiptBundleParts;

  constructor(parts: ReceiptBundleParts) {
    this.#parts = parts;
  }

  /** Undefined when no request of that id has a receipt; the caller decides who may see the one found. */
  async find(id: string): Promise<FoundReceiptBundle | undefined> {
    const { log, usage, checkpoints } = this.#parts;
    const leaf = id.length > receiptIdLengthMax ? undefined : await findReceipt(usage, log, id);
    if (leaf === undefined) return undefined;
    const checkpoint = await checkpoints.covering(leaf.index + 1);
    const proof = await log.inclusionProof(leaf.index, checkpoint.size);
    return {
      organizationId: leaf.organizationId,
      bundle: {
        object: 'receipt_bundle',
        version: receiptBundleVersion,
        receipt: JSON.parse(leaf.text) as Receipt,
        leafIndex: leaf.index,
        treeSize: checkpoint.size,
        inclusionProof: proof.map((h) => h.toString('base64')),
        checkpoint: checkpoint.note,
      },
    };
  }
}
