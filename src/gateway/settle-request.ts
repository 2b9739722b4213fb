import { receiptText, type TransparencyLog, toReceipt } from '../audit/index.js';
import type { Site } from '../catalog/index.js';
import type { UsageRecord, UsageRepository } from '../metering/index.js';
import type { RoutedDeployment } from '../routing/index.js';
import type { WriteTransaction } from '../store/index.js';
import { invariant } from '../errors/index.js';
import type { InferenceRequest } from './inference-request.js';
import { receiptFacts } from './receipt-facts.js';

export interface SettlementDeps {
  readonly usage: UsageRepository;
  /** Where receipts go; without it requests are metered and charged but not receipted. */
  readonly receipts: TransparencyLog | undefined;
}

/**
 * What settling a finished request knows beyond its usage record. The deployment and its
 * site are the ones the request was routed to, taken when it ended: a catalog reload
 * while the record waits for its transaction must not give the receipt another site's
 * accelerators.
 */
export interface Settlement {
  readonly request: InferenceRequest;
  /** Null when no deployment was reached. */
  readonly routed: RoutedDeployment | null;
  readonly site: Site | undefined;
}

/**
 * Settles a finished request in one transaction of the group-commit writer, so that its
 * records are durable together or not at all: its charge (and the write-off of usage
 * beyond its hold), then its receipt, which states the charge, then its usage record,
 * which keeps the receipt's index. Balances follow in memory once the transaction has
 * committed. It may run more than once (the writer retries a transaction), and writes
 * the same each time.
 */
export async function settleRequest(
  tx: WriteTransaction,
  deps: SettlementDeps,
  record: UsageRecord,
  settlement: Settlement,
): Promise<void> {
  const { hold } = settlement.request;
  if (hold !== null) {
    const { creditsPricedMicro, creditsChargedMicro, creditsWrittenOffMicro } = record;
    // The proxy prices every request that has a hold; a record without a price would be charged nothing in silence.
    invariant(
      creditsPricedMicro !== null && creditsChargedMicro !== null && creditsWrittenOffMicro !== null,
      'a usage record with a credit hold has no price',
    );
    const credits = { creditsPricedMicro, creditsChargedMicro, creditsWrittenOffMicro };
    await hold.writeCharge(tx, { id: record.id, createdAt: record.createdAt, ...credits });
  }
  const { receipts } = deps;
  const receiptLeaf =
    receipts === undefined
      ? null
      : await receipts.append(tx, receiptText(toReceipt(record, receiptFacts(record, settlement))));
  await deps.usage.record(tx, record, receiptLeaf);
}
