import type { UsageRepository } from '../metering/index.js';
import type { StoredLeaf, TransparencyLog } from './transparency-log.js';

/** A receipt's leaf, found through its usage record, with the organization that record belongs to. */
export interface ReceiptLeaf extends StoredLeaf {
  readonly organizationId: string;
}

/**
 * The leaf of receipt `receiptId`; undefined when no record of that id has a receipt.
 * The usage record keeps its receipt's index, and metering owns that record, so the log
 * asks metering where the leaf is rather than joining its table.
 */
export async function findReceipt(
  usage: UsageRepository,
  log: TransparencyLog,
  receiptId: string,
): Promise<ReceiptLeaf | undefined> {
  const found = await usage.receiptLeafOf(receiptId);
  if (found === undefined) return undefined;
  const leaf = await log.leafAt(found.receiptLeaf);
  return leaf === undefined ? undefined : { ...leaf, organizationId: found.organizationId };
}
