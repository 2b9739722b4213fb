import type { TransferType } from './ledger-transfer.js';

/** What one transfer does to one account's four sums. */
export interface AccountDelta {
  readonly accountId: string;
  readonly debitsPostedMicro: number;
  readonly creditsPostedMicro: number;
  readonly debitsPendingMicro: number;
  readonly creditsPendingMicro: number;
}

/** How much the delta lowers what the account has available; when above zero, its floor must be checked. */
export function availableLoweredMicro(delta: AccountDelta): number {
  return delta.debitsPostedMicro + delta.debitsPendingMicro - delta.creditsPostedMicro;
}

/**
 * The two deltas of a transfer, as TigerBeetle applies them: a hold moves pending sums,
 * its post releases the whole hold and posts the amount (at most the hold), a void only
 * releases. `pendingMicro` is the hold's amount, for resolutions.
 */
export function transferDeltas(
  type: TransferType,
  debitAccountId: string,
  creditAccountId: string,
  amountMicro: number,
  pendingMicro = 0,
): readonly [AccountDelta, AccountDelta] {
  const zero = { debitsPostedMicro: 0, creditsPostedMicro: 0, debitsPendingMicro: 0, creditsPendingMicro: 0 };
  switch (type) {
    case 'single':
      return [
        { ...zero, accountId: debitAccountId, debitsPostedMicro: amountMicro },
        { ...zero, accountId: creditAccountId, creditsPostedMicro: amountMicro },
      ];
    case 'pending':
      return [
        { ...zero, accountId: debitAccountId, debitsPendingMicro: amountMicro },
        { ...zero, accountId: creditAccountId, creditsPendingMicro: amountMicro },
      ];
    case 'post_pending':
      return [
        { ...zero, accountId: debitAccountId, debitsPostedMicro: amountMicro, debitsPendingMicro: -pendingMicro },
        { ...zero, accountId: creditAccountId, creditsPostedMicro: amountMicro, creditsPendingMicro: -pendingMicro },
      ];
    case 'void_pending':
      return [
        { ...zero, accountId: debitAccountId, debitsPendingMicro: -pendingMicro },
        { ...zero, accountId: creditAccountId, creditsPendingMicro: -pendingMicro },
      ];
  }
}
