import type { SettlementStep, UsageRecord } from '../metering/index.js';
import { type ReceiptFacts, receiptText, toReceipt } from './receipt.js';
import type { TransparencyLog } from './transparency-log.js';

/**
 * The settlement step that makes every metered request a leaf of the log, in the same
 * transaction as its usage record: a request is metered and receipted, or neither.
 * `factsOf` reads what only the caller knows (digests, engine, accelerators); it may
 * run more than once for one request, when its transaction is retried, and must give
 * the same answer each time.
 */
export function receiptStep<C>(log: TransparencyLog, factsOf: (record: UsageRecord, context: C) => ReceiptFacts): SettlementStep<C> {
  return async (tx, record, context) => {
    const receipt = toReceipt(record, factsOf(record, context));
    await log.append(tx, {
      kind: 'receipt',
      entryId: receipt.id,
      organizationId: receipt.organizationId,
      createdAt: receipt.createdAt,
      text: receiptText(receipt),
    });
  };
}
