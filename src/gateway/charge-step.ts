import type { SettlementStep } from '../metering/index.js';
import type { Settlement } from './settlement.js';

/**
 * The ledger's part of settling a request: its charge, written in the transaction of
 * its usage record, so that one is never durable without the other. An unmetered
 * request (no hold) is charged nothing.
 */
export const chargeStep: SettlementStep<Settlement> = async (tx, record, { request }) => request.hold?.writeCharge(tx, record);
