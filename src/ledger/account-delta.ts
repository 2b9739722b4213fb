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
 * Whether `deltas` debit exactly what they credit, posted and pending alike: the double
 * entry that keeps the sum of all balances at zero.
 */
export function isDoubleEntry(deltas: readonly AccountDelta[]): boolean {
  let postedMicro = 0;
  let pendingMicro = 0;
  for (const d of deltas) {
    postedMicro += d.debitsPostedMicro - d.creditsPostedMicro;
    pendingMicro += d.debitsPendingMicro - d.creditsPendingMicro;
  }
  return postedMicro === 0 && pendingMicro === 0;
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
  switch (type) {
    case 'single':
      return [delta(debitAccountId, amountMicro, 0, 0, 0), delta(creditAccountId, 0, amountMicro, 0, 0)];
    case 'pending':
      return [delta(debitAccountId, 0, 0, amountMicro, 0), delta(creditAccountId, 0, 0, 0, amountMicro)];
    case 'post_pending':
      return [
        delta(debitAccountId, amountMicro, 0, -pendingMicro, 0),
        delta(creditAccountId, 0, amountMicro, 0, -pendingMicro),
      ];
    case 'void_pending':
      return [delta(debitAccountId, 0, 0, -pendingMicro, 0), delta(creditAccountId, 0, 0, 0, -pendingMicro)];
  }
}

/**
 * One literal for every delta. Spreading a shared zero and overriding a field gave each
 * delta a map of its own, so every read of a delta missed V8's inline caches: on the hot
 * path (two deltas per charge) that cost more than the rest of the charge's JavaScript.
 */
export function delta(
  accountId: string,
  debitsPostedMicro: number,
  creditsPostedMicro: number,
  debitsPendingMicro: number,
  creditsPendingMicro: number,
): AccountDelta {
  return { accountId, debitsPostedMicro, creditsPostedMicro, debitsPendingMicro, creditsPendingMicro };
}
