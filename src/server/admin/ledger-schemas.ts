import { Type } from '@sinclair/typebox';
import { ledgerAccountKinds, transferCodes } from '../../ledger/index.js';
import { Closed, Instant, Micro, Nullable, StringEnum } from './response-schemas.js';

/** The answers about the credits ledger, as src/ledger defines them. */

export const LedgerAccountSchema = Closed({
  object: Type.Literal('ledger_account'),
  id: Type.String(),
  kind: StringEnum(ledgerAccountKinds),
  organizationId: Nullable(Type.String()),
  programId: Nullable(Type.String()),
  floorMicro: Nullable({ ...Micro, description: 'how low the balance may go; null: no floor' }),
  debitsPostedMicro: Micro,
  creditsPostedMicro: Micro,
  debitsPendingMicro: Micro,
  creditsPendingMicro: Micro,
  balanceMicro: { ...Micro, description: 'creditsPostedMicro - debitsPostedMicro' },
  availableMicro: { ...Micro, description: 'the balance less pending debits and in-flight reservations' },
  expiresAt: Nullable(Instant),
  closedAt: Nullable(Instant),
  createdAt: Instant,
});

const transferFields = {
  object: Type.Literal('ledger_transfer'),
  seq: Type.Integer(),
  id: Type.String(),
  type: Type.String({ description: 'single, pending (a hold), post_pending or void_pending' }),
  code: StringEnum(transferCodes),
  debitAccountId: Type.String(),
  creditAccountId: Type.String(),
  amountMicro: Micro,
  pendingId: Nullable(Type.String({ description: 'for a resolution: the hold it posts or voids' })),
  timeoutAt: Nullable(Instant),
  reversesId: Nullable(Type.String({ description: 'for a correction: the transfer it reverses' })),
  usageRecordId: Nullable(Type.String()),
  organizationId: Nullable(Type.String()),
  projectId: Nullable(Type.String()),
  apiKeyId: Nullable(Type.String()),
  modelId: Nullable(Type.String()),
  programId: Nullable(Type.String()),
  memo: Nullable(Type.String()),
  createdAt: Instant,
};

export const LedgerTransferSchema = Closed(transferFields);

/** A deposit: the transfer, whether this call made it, and the account it went to. */
export const DepositSchema = Closed({
  ...transferFields,
  created: Type.Boolean({ description: 'false when a retry with the same id returned the first deposit' }),
  account: LedgerAccountSchema,
});

export const LedgerVerificationSchema = Closed({
  object: Type.Literal('ledger_verification'),
  ok: Type.Boolean(),
  checkedAt: Instant,
  accounts: Type.Integer(),
  transfers: Type.Integer(),
  usageRecords: Type.Integer(),
  problems: Type.Array(Type.String()),
});

export const LedgerSweepSchema = Closed({
  object: Type.Literal('ledger_sweep'),
  holds: Type.Integer({ description: 'holds voided past their timeout' }),
  grants: Type.Integer({ description: 'grants expired back to their pool' }),
});
