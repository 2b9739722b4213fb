import type { ReceiptWriter, UsageRecord } from '../metering/index.js';
import { type ReceiptFacts, receiptText, toReceipt } from './receipt.js';
import type { TransparencyLog } from './transparency-log.js';

/**
 * Makes every metered request a leaf of the log, in the same transaction as its usage
 * record, which keeps the leaf's index: a request is metered and receipted, or neither.
 * `factsOf` reads what only the caller knows (digests, engine, accelerators); it may
 * run more than once for one request, when its transaction is retried, and must give
 * the same answer each time.
 */
export function receiptWriter<C>(log: TransparencyLog, factsOf: (record: UsageRecord, context: C) => ReceiptFacts): ReceiptWriter<C> {
  return (tx, record, context) => log.append(tx, receiptText(toReceipt(record, factsOf(record, context))));
}
