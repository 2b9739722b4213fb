import type { SettlementStep } from '../metering/index.js';
import type { Settlement } from './settlement.js';

/**
 * The ledger's part of settling a request: its charge, written in the transaction of
 * its usage record, so that one is never durable without the other. An unmetered
 * request (no hold) is charged nothing.
 */
export const chargeStep: SettlementStep<Settlement> = async (tx, record, { request }) => {
  if (request.hold === null) return;
  const { creditsPricedMicro, creditsChargedMicro, creditsWrittenOffMicro } = record;
  // The proxy prices every request that has a hold; a record without a price would be charged nothing in silence.
  if (creditsPricedMicro === null || creditsChargedMicro === null || creditsWrittenOffMicro === null) {
    throw new Error(`usage record ${record.id} has a credit hold but no price`);
  }
  return request.hold.writeCharge(tx, { ...record, creditsPricedMicro, creditsChargedMicro, creditsWrittenOffMicro });
};
