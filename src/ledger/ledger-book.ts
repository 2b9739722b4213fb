import type { Selectable } from 'kysely';
import { invariant } from '../errors/index.js';
import type { LedgerAccountsTable } from '../store/index.js';
import type { AccountDelta } from './account-delta.js';
import type { LedgerAccount, LedgerAccountKind } from './ledger-account.js';

/** One account in memory: the committed sums, plus reservations of work still in flight. */
export interface BookAccount {
  readonly id: string;
  readonly kind: LedgerAccountKind;
  readonly organizationId: string | null;
  readonly programId: string | null;
  readonly floorMicro: number | null;
  readonly expiresAtMs: number | null;
  readonly expiresAt: string | null;
  readonly createdAt: string;
  closedAt: string | null;
  debitsPostedMicro: number;
  creditsPostedMicro: number;
  debitsPendingMicro: number;
  creditsPendingMicro: number;
  /** Held by requests in flight and by writes not yet committed; never in the database. */
  reservedMicro: number;
}

/**
 * The balances the hot path reads: every account in memory, changed only by committed
 * transfers (`apply`) and by reservations that are always either converted by a commit
 * or given back. Reads and checks are synchronous, so two requests in the one thread
 * can never both take the same credits.
 */
export class LedgerBook {
  readonly #accounts = new Map<string, BookAccount>();
  readonly #byOrganization = new Map<string, BookAccount[]>();

  add(row: Selectable<LedgerAccountsTable>): BookAccount {
    const existing = this.#accounts.get(row.id);
    if (existing !== undefined) return existing;
    const account: BookAccount = {
      id: row.id,
      kind: row.kind as LedgerAccountKind,
      organizationId: row.organizationId,
      programId: row.programId,
      floorMicro: row.floorMicro,
      expiresAt: row.expiresAt,
      expiresAtMs: row.expiresAt === null ? null : Date.parse(row.expiresAt),
      createdAt: row.createdAt,
      closedAt: row.closedAt,
      debitsPostedMicro: row.debitsPostedMicro,
      creditsPostedMicro: row.creditsPostedMicro,
      debitsPendingMicro: row.debitsPendingMicro,
      creditsPendingMicro: row.creditsPendingMicro,
      reservedMicro: 0,
    };
    this.#accounts.set(account.id, account);
    if (account.organizationId !== null) {
      const list = this.#byOrganization.get(account.organizationId) ?? [];
      list.push(account);
      this.#byOrganization.set(account.organizationId, list);
    }
    return account;
  }

  get(id: string): BookAccount | undefined {
    return this.#accounts.get(id);
  }

  all(): Iterable<BookAccount> {
    return this.#accounts.values();
  }

  /** The organization's own account and its grants, in the order they were opened. */
  ofOrganization(organizationId: string): readonly BookAccount[] {
    return this.#byOrganization.get(organizationId) ?? [];
  }

  /** What a new debit may take, down to the floor; unbounded for an account without one. */
  available(account: BookAccount): number {
    if (account.floorMicro === null) return Number.MAX_SAFE_INTEGER;
    return (
      account.creditsPostedMicro -
      account.debitsPostedMicro -
      account.debitsPendingMicro -
      account.reservedMicro -
      account.floorMicro
    );
  }

  /** Reserves `amountMicro` when the account can cover it; false (and nothing reserved) when not. */
  reserve(account: BookAccount, amountMicro: number): boolean {
    // A negative reservation would raise what the account may spend, past its floor.
    invariant(Number.isSafeInteger(amountMicro) && amountMicro >= 0, 'a reservation is a whole, non-negative amount');
    if (amountMicro > this.available(account)) return false;
    account.reservedMicro += amountMicro;
    return true;
  }

  unreserve(account: BookAccount, amountMicro: number): void {
    account.reservedMicro -= amountMicro;
  }

  /** Applies committed deltas. Call only after the transaction that wrote them has committed. */
  apply(deltas: readonly AccountDelta[]): void {
    for (const delta of deltas) {
      const account = this.#accounts.get(delta.accountId);
      if (account === undefined) throw new Error(`ledger book has no account ${delta.accountId}`);
      account.debitsPostedMicro += delta.debitsPostedMicro;
      account.creditsPostedMicro += delta.creditsPostedMicro;
      account.debitsPendingMicro += delta.debitsPendingMicro;
      account.creditsPendingMicro += delta.creditsPendingMicro;
    }
  }

  view(account: BookAccount): LedgerAccount {
    const { expiresAtMs: _ms, reservedMicro: _reserved, ...rest } = account;
    return {
      object: 'ledger_account',
      ...rest,
      balanceMicro: account.creditsPostedMicro - account.debitsPostedMicro,
      availableMicro:
        account.creditsPostedMicro - account.debitsPostedMicro - account.debitsPendingMicro - account.reservedMicro,
    };
  }
}
