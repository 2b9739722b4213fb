import type { Selectable } from 'kysely';
import type { LedgerTransfersTable } from '../store/index.js';
import { revenueAccountId } from './ledger-account.js';

/** TigerBeetle's kinds: posted at once, a hold, or a hold's one resolution. */
export type TransferType = 'single' | 'pending' | 'post_pending' | 'void_pending';

/** Why credits moved; reports and statements group by it. */
export const transferCodes = [
  'deposit',
  'fund',
  'grant',
  'grant_expiry',
  'charge',
  'write_off',
  'correction',
  'transfer',
  'expiry',
] as const;
export type TransferCode = (typeof transferCodes)[number];

export interface LedgerTransfer {
  readonly object: 'ledger_transfer';
  readonly seq: number;
  readonly id: string;
  readonly type: TransferType;
  readonly code: TransferCode;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amountMicro: number;
  /** For a resolution: the hold it posts or voids. */
  readonly pendingId: string | null;
  /** For a hold: when it is voided unless resolved before. */
  readonly timeoutAt: string | null;
  /** For a correction: the transfer it reverses. */
  readonly reversesId: string | null;
  readonly usageRecordId: string | null;
  readonly organizationId: string | null;
  readonly projectId: string | null;
  readonly apiKeyId: string | null;
  readonly modelId: string | null;
  readonly programId: string | null;
  readonly memo: string | null;
  readonly createdAt: string;
}

/** Who and what a transfer is about, beyond its accounts; reports read these. */
export interface TransferTags {
  readonly usageRecordId?: string | null;
  readonly organizationId?: string | null;
  readonly projectId?: string | null;
  readonly apiKeyId?: string | null;
  readonly modelId?: string | null;
  readonly programId?: string | null;
  readonly memo?: string | null;
}

/** A transfer a client asks for: posted at once, or a hold when `timeoutMs` is given. */
export interface TransferInput extends TransferTags {
  /** Chosen by the client; retrying with the same id and content is safe. */
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amountMicro: number;
  readonly code: TransferCode;
  /** Makes the transfer a hold, voided after this long unless posted or voided before. */
  readonly timeoutMs?: number | undefined;
  /** Set by `Ledger.reverse` only: the transfer this one corrects. */
  readonly reversesId?: string | null;
}

export type TransferRow = Omit<Selectable<LedgerTransfersTable>, 'seq' | 'type' | 'code'> & {
  readonly type: TransferType;
  readonly code: TransferCode;
};

/**
 * A metered request's charge: a transfer posted at once, code `charge`, from one of its
 * organization's accounts to the platform's revenue. Only what differs between charges;
 * `chargeRow` fills in the rest.
 */
export interface Charge {
  readonly id: string;
  readonly debitAccountId: string;
  readonly amountMicro: number;
  readonly usageRecordId: string;
  readonly organizationId: string;
  readonly projectId: string;
  readonly apiKeyId: string;
  readonly modelId: string;
  readonly programId: string | null;
  readonly createdAt: string;
}

/** The transfer row of a charge. */
export function chargeRow(charge: Charge): TransferRow {
  return {
    id: charge.id,
    type: 'single',
    code: 'charge',
    debitAccountId: charge.debitAccountId,
    creditAccountId: revenueAccountId,
    amountMicro: charge.amountMicro,
    pendingId: null,
    timeoutAt: null,
    reversesId: null,
    usageRecordId: charge.usageRecordId,
    organizationId: charge.organizationId,
    projectId: charge.projectId,
    apiKeyId: charge.apiKeyId,
    modelId: charge.modelId,
    programId: charge.programId,
    memo: null,
    createdAt: charge.createdAt,
  };
}

export function toLedgerTransfer(row: Selectable<LedgerTransfersTable>): LedgerTransfer {
  return { object: 'ledger_transfer', ...row, type: row.type as TransferType, code: row.code as TransferCode };
}

/** The fields that make two transfers with one id the same transfer. */
export function transferContent(row: TransferRow | LedgerTransfer): string {
  const timeoutMs = row.timeoutAt === null ? null : Date.parse(row.timeoutAt) - Date.parse(row.createdAt);
  return JSON.stringify([
    row.type,
    row.code,
    row.debitAccountId,
    row.creditAccountId,
    row.amountMicro,
    row.pendingId,
    timeoutMs,
    row.reversesId,
    row.usageRecordId,
    row.organizationId,
    row.projectId,
    row.apiKeyId,
    row.modelId,
    row.programId,
    row.memo,
  ]);
}
