import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { CommonwealError } from '../errors/index.js';
import type { Database, GroupCommitWriter, Store, WriteTransaction } from '../store/index.js';
import { type AccountDelta, transferDeltas } from './account-delta.js';
import type { BudgetReservation } from './budget-book.js';
import { type ChargeSubject, CreditHold, type HoldLeg, type HoldParts } from './credit-hold.js';
import {
  issuanceAccountId,
  type LedgerAccount,
  type LedgerAccountSpec,
  revenueAccountId,
  toLedgerAccountRow,
  writeOffAccountId,
} from './ledger-account.js';
import { type BookAccount, LedgerBook } from './ledger-book.js';
import { LedgerRepository } from './ledger-repository.js';
import {
  type LedgerTransfer,
  type TransferInput,
  type TransferRow,
  type TransferTags,
  transferContent,
} from './ledger-transfer.js';
import { type LedgerVerification, verifyLedger } from './ledger-verifier.js';
import { SharedHolds } from './shared-holds.js';
import type { TokenPrices } from './token-cost.js';

export interface LedgerOptions {
  /** The clock for timestamps and hold timeouts; tests pass their own. */
  readonly now?: () => number;
  /**
   * Set when several replicas share the database (PostgreSQL only): requests' holds are
   * then kept where all of them see them, and expire this long after their replica last
   * renewed them. Unset, holds live in this process's memory and the hot path reads no
   * database.
   */
  readonly sharedHoldTtlMs?: number | undefined;
}

export interface TransferResult {
  readonly transfer: LedgerTransfer;
  /** False when the id was already taken by the same transfer, which is returned instead. */
  readonly created: boolean;
}

/** A write the caller adds to a transfer's transaction, such as marking an application approved. */
export type AlsoWrite = (tx: Kysely<Database>) => Promise<void>;

type ResolveInput = { readonly id: string; readonly amountMicro?: number | undefined } & TransferTags;
type ReverseInput = { readonly id: string; readonly memo?: string | null };

/** A hold that is resolved in memory while its resolution is being written, so that two resolutions cannot race. */
interface OpenHold {
  readonly transfer: LedgerTransfer;
  readonly timeoutAtMs: number;
  resolving: boolean;
}

/**
 * What the ledger module's own files (the fund, budgets, statements, program reports)
 * need of a ledger beyond its public methods: the database for their own queries on the
 * module's tables, and the book's live accounts. Not exported from the module's index.
 */
export interface LedgerInternals {
  readonly db: Kysely<Database>;
  readonly book: LedgerBook;
  closeAccount(db: Kysely<Database>, id: string, closedAt: string): Promise<void>;
}

let internalsOf: (ledger: Ledger) => LedgerInternals;

/** The ledger's internals, for the ledger module's own files only. */
export function ledgerInternals(ledger: Ledger): LedgerInternals {
  return internalsOf(ledger);
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,159}$/;
const amountMicroMax = Number.MAX_SAFE_INTEGER;
const timeoutMsMax = 366 * 24 * 3600 * 1000;

/**
 * The credits ledger: accounts and immutable double-entry transfers in integer
 * micro-credits, modelled on TigerBeetle. Every write goes through the group-commit
 * writer; memory (the `LedgerBook`) changes only after a commit, and reservations keep
 * concurrent writers from spending the same credits twice in the meantime. Each write
 * has a form that takes the caller's transaction (`openAccountIn`, `transferIn`, …), for
 * a change that commits with something else, such as its transparency-log leaf; the
 * plain form runs it in a job of its own.
 */
export class Ledger {
  readonly #book = new LedgerBook();
  readonly #repository: LedgerRepository;
  readonly #writer: GroupCommitWriter;
  readonly #now: () => number;
  readonly #openHolds = new Map<string, OpenHold>();
  readonly #shared: SharedHolds | null;
  /** The models each program's grants may pay for; absent or null means any model. */
  readonly #programModels = new Map<string, ReadonlySet<string> | null>();

  static {
    internalsOf = (ledger) => ({
      db: ledger.#repository.db,
      book: ledger.#book,
      closeAccount: (db, id, closedAt) => ledger.#repository.closeAccount(db, id, closedAt),
    });
  }

  private constructor(store: Store, writer: GroupCommitWriter, options: LedgerOptions) {
    this.#repository = new LedgerRepository(store);
    this.#writer = writer;
    this.#now = options.now ?? Date.now;
    const ttlMs = options.sharedHoldTtlMs;
    if (ttlMs !== undefined && store.dialect !== 'postgres')
      throw new Error('shared credit holds need the PostgreSQL store');
    this.#shared = ttlMs === undefined ? null : new SharedHolds(store.db, { ttlMs, now: this.#now });
  }

  /** Loads every account and open hold: the database is the truth at start. */
  static async open(store: Store, writer: GroupCommitWriter, options: LedgerOptions = {}): Promise<Ledger> {
    const ledger = new Ledger(store, writer, options);
    for (const row of await ledger.#repository.loadAccounts()) ledger.#book.add(row);
    await ledger.openAccount({ id: issuanceAccountId, kind: 'issuance', floorMicro: null });
    await ledger.openAccount({ id: revenueAccountId, kind: 'revenue' });
    await ledger.openAccount({ id: writeOffAccountId, kind: 'write_off', floorMicro: null });
    for (const hold of await ledger.#repository.loadOpenHolds()) {
      ledger.#openHolds.set(hold.id, {
        transfer: hold,
        timeoutAtMs: Date.parse(hold.timeoutAt ?? hold.createdAt),
        resolving: false,
      });
    }
    return ledger;
  }

  get writer(): GroupCommitWriter {
    return this.#writer;
  }

  nowMs(): number {
    return this.#now();
  }

  account(id: string): LedgerAccount | undefined {
    const account = this.#book.get(id);
    return account === undefined ? undefined : this.#book.view(account);
  }

  accounts(): LedgerAccount[] {
    return Array.from(this.#book.all(), (a) => this.#book.view(a));
  }

  /** The organization's own account and its grants, in the order they were opened. */
  accountsOf(organizationId: string): LedgerAccount[] {
    return this.#book.ofOrganization(organizationId).map((a) => this.#book.view(a));
  }

  /** Checks the stored accounts and transfers against each other; see `verifyLedger`. */
  async verify(holdGraceMs: number): Promise<LedgerVerification> {
    return verifyLedger(this.#repository.db, this.#now(), holdGraceMs);
  }

  /** Micro-credits reserved in all accounts by requests in flight and writes not yet committed. */
  reservedMicro(): number {
    let sumMicro = 0;
    for (const account of this.#book.all()) sumMicro += account.reservedMicro;
    return sumMicro;
  }

  openHolds(): LedgerTransfer[] {
    return Array.from(this.#openHolds.values(), (h) => h.transfer);
  }

  /** Whether the organization has any balance account; without one, `billing: on` refuses its requests. */
  hasAccounts(organizationId: string): boolean {
    return this.#book.ofOrganization(organizationId).length > 0;
  }

  setProgramModels(programId: string, modelIds: readonly string[] | null): void {
    this.#programModels.set(programId, modelIds === null ? null : new Set(modelIds));
  }

  /**
   * Reserves a request's maximum cost: first from the organization's unexpired grants
   * that may pay for the model, soonest to expire first, then from its own account. All
   * of it or nothing: when the accounts cannot cover it together, nothing stays reserved.
   * In this process's book, synchronously; or, when replicas share holds, in the
   * database under the accounts' row locks, where every replica sees it.
   */
  hold(
    subject: ChargeSubject,
    maxCostMicro: number,
    prices: TokenPrices,
    budgets: BudgetReservation | null,
  ): CreditHold | Promise<CreditHold> {
    const spendable = this.#spendable(subject);
    if (this.#shared !== null && maxCostMicro > 0)
      return this.#holdShared(this.#shared, subject, maxCostMicro, spendable, prices, budgets);
    const legs: HoldLeg[] = [];
    let leftMicro = maxCostMicro;
    for (const account of spendable) {
      if (leftMicro === 0) break;
      const reservedMicro = Math.min(leftMicro, Math.max(0, this.#book.available(account)));
      if (reservedMicro === 0) continue;
      this.#book.reserve(account, reservedMicro);
      legs.push({ account, reservedMicro });
      leftMicro -= reservedMicro;
    }
    if (leftMicro > 0) {
      for (const leg of legs) this.#book.unreserve(leg.account, leg.reservedMicro);
      throw insufficient(subject, maxCostMicro, maxCostMicro - leftMicro);
    }
    return this.#creditHold(subject, spendable, legs, prices, budgets, null);
  }

  /** A hold of nothing, for a request refused before admission: it reserves nothing, anywhere. */
  holdNothing(subject: ChargeSubject, prices: TokenPrices): CreditHold {
    return this.#creditHold(subject, this.#spendable(subject), [], prices, null, null);
  }

  async #holdShared(
    shared: SharedHolds,
    subject: ChargeSubject,
    maxCostMicro: number,
    spendable: readonly BookAccount[],
    prices: TokenPrices,
    budgets: BudgetReservation | null,
  ): Promise<CreditHold> {
    const id = randomUUID();
    const ids = spendable.map((a) => a.id);
    const reservation = await shared.reserve(id, ids, maxCostMicro);
    if (!reservation.reserved) throw insufficient(subject, maxCostMicro, reservation.availableMicro);
    const legs = reservation.legs.map((leg) => ({
      account: this.#book.get(leg.accountId)!,
      reservedMicro: leg.reservedMicro,
    }));
    return this.#creditHold(subject, spendable, legs, prices, budgets, { holds: shared, id });
  }

  /** The organization's accounts a request may spend, in the order a hold takes from them. */
  #spendable(subject: ChargeSubject): BookAccount[] {
    const nowMs = this.#now();
    return this.#book
      .ofOrganization(subject.organizationId)
      .filter(
        (a) =>
          a.closedAt === null &&
          (a.kind === 'organization' ||
            (a.kind === 'grant' && (a.expiresAtMs ?? 0) > nowMs && this.#eligible(a.programId, subject.modelId))),
      )
      .sort((a, b) => (a.expiresAtMs ?? Number.MAX_SAFE_INTEGER) - (b.expiresAtMs ?? Number.MAX_SAFE_INTEGER));
  }

  #creditHold(
    subject: ChargeSubject,
    spendable: readonly BookAccount[],
    legs: readonly HoldLeg[],
    prices: TokenPrices,
    budgets: BudgetReservation | null,
    shared: HoldParts['shared'],
  ): CreditHold {
    const zeroAccount = spendable[0] ?? this.#book.ofOrganization(subject.organizationId)[0];
    if (zeroAccount === undefined)
      throw new CommonwealError(
        'insufficient_credits',
        `organization "${subject.organizationId}" has no balance account`,
      );
    return new CreditHold({
      book: this.#book,
      repository: this.#repository,
      legs,
      zeroAccount,
      budgets,
      prices,
      subject,
      shared,
    });
  }

  #eligible(programId: string | null, modelId: string): boolean {
    const models = programId === null ? null : this.#programModels.get(programId);
    return models === undefined || models === null || models.has(modelId);
  }

  /** Opens an account, or returns it when one with this id and the same kind exists. */
  async openAccount(spec: LedgerAccountSpec): Promise<LedgerAccount> {
    const existing = this.#book.get(spec.id);
    if (existing === undefined) await this.#writer.submit((tx) => this.openAccountIn(tx, spec));
    return this.#sameAccount(this.#book.get(spec.id)!, spec);
  }

  /** `openAccount` in `tx`: the book knows the account once `tx` has committed, and `transferIn` in `tx` before. */
  async openAccountIn(tx: WriteTransaction, spec: LedgerAccountSpec): Promise<void> {
    checkId(spec.id, 'id');
    const existing = this.#book.get(spec.id);
    if (existing !== undefined) {
      this.#sameAccount(existing, spec);
      return;
    }
    const found = await this.#repository.findAccount(tx.db, spec.id);
    const row = found ?? toLedgerAccountRow(spec, new Date(this.#now()).toISOString());
    sameKind(row, spec);
    if (found === undefined) await this.#repository.insertAccount(tx.db, row);
    tx.afterCommit(() => this.#book.add(row));
  }

  #sameAccount(account: BookAccount, spec: LedgerAccountSpec): LedgerAccount {
    sameKind(account, spec);
    return this.#book.view(account);
  }

  /** A transfer posted at once, or a hold when `timeoutMs` is set. Idempotent by `input.id`. */
  async transfer(input: TransferInput, alsoWrite?: AlsoWrite): Promise<TransferResult> {
    return this.#writer.submit(async (tx) => {
      const result = await this.transferIn(tx, input);
      if (result.created) await alsoWrite?.(tx.db);
      return result;
    });
  }

  /**
   * `transfer` in `tx`. Idempotent by `input.id` within `tx` too: a second transfer with
   * the same id and content returns the first, with `created` false.
   */
  async transferIn(tx: WriteTransaction, input: TransferInput): Promise<TransferResult> {
    const type = input.timeoutMs === undefined ? 'single' : 'pending';
    const row = this.#row(input, type, null);
    return this.#write(tx, row, transferDeltas(type, row.debitAccountId, row.creditAccountId, row.amountMicro));
  }

  /** Posts a hold, for its whole amount or less; the rest goes back to the debit account. */
  async post(pendingId: string, input: ResolveInput): Promise<TransferResult> {
    return this.#writer.submit((tx) => this.postIn(tx, pendingId, input));
  }

  /** `post` in `tx`. */
  async postIn(tx: WriteTransaction, pendingId: string, input: ResolveInput): Promise<TransferResult> {
    return this.#resolve(tx, pendingId, 'post_pending', input);
  }

  /** Releases a hold without moving any credits. */
  async void(pendingId: string, input: { readonly id: string } & TransferTags): Promise<TransferResult> {
    return this.#writer.submit((tx) => this.voidIn(tx, pendingId, input));
  }

  /** `void` in `tx`. */
  async voidIn(
    tx: WriteTransaction,
    pendingId: string,
    input: { readonly id: string } & TransferTags,
  ): Promise<TransferResult> {
    return this.#resolve(tx, pendingId, 'void_pending', input);
  }

  /** A correction: a new transfer of the same amount the other way. Nothing is ever edited or deleted. */
  async reverse(transferId: string, input: ReverseInput): Promise<TransferResult> {
    return this.#writer.submit((tx) => this.reverseIn(tx, transferId, input));
  }

  /** `reverse` in `tx`. */
  async reverseIn(tx: WriteTransaction, transferId: string, input: ReverseInput): Promise<TransferResult> {
    const original = await this.#repository.findTransfer(tx.db, transferId);
    if (original === undefined) throw new CommonwealError('not_found', `transfer "${transferId}" not found`);
    if (original.type !== 'single' && original.type !== 'post_pending') {
      throw new CommonwealError('invalid_request', 'only posted transfers can be reversed; void a hold instead', {
        param: 'transferId',
      });
    }
    const earlier = await tx.db
      .selectFrom('ledgerTransfers')
      .select('id')
      .where('reversesId', '=', transferId)
      .executeTakeFirst();
    if (earlier !== undefined && earlier.id !== input.id) {
      throw new CommonwealError('conflict', `transfer "${transferId}" was already reversed by "${earlier.id}"`, {
        param: 'transferId',
      });
    }
    const { usageRecordId: _u, memo: _m, ...tags } = original;
    return this.transferIn(tx, {
      ...tags,
      id: input.id,
      debitAccountId: original.creditAccountId,
      creditAccountId: original.debitAccountId,
      amountMicro: original.amountMicro,
      code: 'correction',
      memo: input.memo ?? `reverses ${original.id}`,
      reversesId: original.id,
    });
  }

  /**
   * Voids every hold whose timeout has passed; returns how many. Bounded by `limit` per
   * call. With shared holds, first renews this replica's requests' holds and deletes the
   * expired ones of every replica, such as those of one that died.
   */
  async expireHolds(limit = 1000): Promise<number> {
    const requestHolds = this.#shared === null ? 0 : await this.#shared.sweep();
    return requestHolds + (await this.#expireTransferHolds(limit));
  }

  async #expireTransferHolds(limit: number): Promise<number> {
    const nowMs = this.#now();
    const due = Array.from(this.#openHolds.values())
      .filter((h) => !h.resolving && h.timeoutAtMs <= nowMs)
      .slice(0, limit);
    let expired = 0;
    for (const hold of due) {
      try {
        await this.#writer.submit((tx) =>
          this.#resolve(
            tx,
            hold.transfer.id,
            'void_pending',
            { id: `${hold.transfer.id}:expired`, memo: 'hold timed out' },
            true,
          ),
        );
        expired += 1;
      } catch (error) {
        // Resolved by a client in the meantime: exactly once still holds, nothing to expire.
        if (!(error instanceof CommonwealError && error.code === 'conflict')) throw error;
      }
    }
    return expired;
  }

  #row(input: TransferInput, type: LedgerTransfer['type'], pendingId: string | null): TransferRow {
    checkId(input.id, 'id');
    checkAmount(input.amountMicro);
    const nowMs = this.#now();
    if (
      input.timeoutMs !== undefined &&
      (!Number.isSafeInteger(input.timeoutMs) || input.timeoutMs < 1 || input.timeoutMs > timeoutMsMax)
    ) {
      throw new CommonwealError('invalid_request', `timeoutMs must be an integer from 1 to ${timeoutMsMax}`, {
        param: 'timeoutMs',
      });
    }
    if (input.debitAccountId === input.creditAccountId) {
      throw new CommonwealError('invalid_request', 'a transfer needs two different accounts', {
        param: 'creditAccountId',
      });
    }
    return {
      id: input.id,
      type,
      code: input.code,
      debitAccountId: input.debitAccountId,
      creditAccountId: input.creditAccountId,
      amountMicro: input.amountMicro,
      pendingId,
      timeoutAt: input.timeoutMs === undefined ? null : new Date(nowMs + input.timeoutMs).toISOString(),
      reversesId: input.reversesId ?? null,
      usageRecordId: input.usageRecordId ?? null,
      organizationId: input.organizationId ?? null,
      projectId: input.projectId ?? null,
      apiKeyId: input.apiKeyId ?? null,
      modelId: input.modelId ?? null,
      programId: input.programId ?? null,
      memo: input.memo ?? null,
      createdAt: new Date(nowMs).toISOString(),
    };
  }

  async #resolve(
    tx: WriteTransaction,
    pendingId: string,
    type: 'post_pending' | 'void_pending',
    input: ResolveInput,
    expiry = false,
  ): Promise<TransferResult> {
    const existing = await this.#repository.findTransfer(tx.db, input.id);
    const hold = this.#openHolds.get(pendingId);
    const pending = hold?.transfer ?? (await this.#repository.findTransfer(tx.db, pendingId));
    if (pending === undefined || pending.type !== 'pending')
      throw new CommonwealError('not_found', `hold "${pendingId}" not found`);
    const amountMicro = type === 'void_pending' ? 0 : (input.amountMicro ?? pending.amountMicro);
    const row = this.#row(
      { ...pending, ...input, id: input.id, amountMicro, code: expiry ? 'expiry' : pending.code, timeoutMs: undefined },
      type,
      pendingId,
    );
    if (existing !== undefined) return this.#same(existing, row);
    if (hold === undefined || hold.resolving) {
      throw new CommonwealError('conflict', `hold "${pendingId}" has already been posted or voided`, {
        param: 'pendingId',
      });
    }
    if (amountMicro > pending.amountMicro) {
      throw new CommonwealError(
        'invalid_request',
        `a hold of ${pending.amountMicro} can be posted for at most that much`,
        { param: 'amountMicro' },
      );
    }
    if (type === 'post_pending' && hold.timeoutAtMs <= this.#now()) {
      throw new CommonwealError('conflict', `hold "${pendingId}" has expired`, { param: 'pendingId' });
    }
    hold.resolving = true;
    tx.afterEnd(() => {
      hold.resolving = false;
    });
    const deltas = transferDeltas(type, row.debitAccountId, row.creditAccountId, amountMicro, pending.amountMicro);
    const result = await this.#write(tx, row, deltas);
    if (result.created) tx.afterCommit(() => this.#openHolds.delete(pendingId));
    return result;
  }

  /**
   * The one path by which a transfer is written. The id is looked up in `tx`, where it is
   * exact even when the same id is in flight twice. Credits are reserved in memory for
   * the run, so that concurrent writers cannot spend them twice, and released once `tx`
   * has ended; the book takes the transfer only once `tx` has committed.
   */
  async #write(
    tx: WriteTransaction,
    row: TransferRow,
    deltas: readonly [AccountDelta, AccountDelta],
  ): Promise<TransferResult> {
    const found = await this.#repository.findTransfer(tx.db, row.id);
    if (found !== undefined) return this.#same(found, row);
    for (const [param, id] of [
      ['debitAccountId', row.debitAccountId],
      ['creditAccountId', row.creditAccountId],
    ] as const) {
      // An account opened earlier in `tx` is in the database only, until it commits.
      if (this.#book.get(id) === undefined && (await this.#repository.findAccount(tx.db, id)) === undefined)
        throw new CommonwealError('invalid_request', `ledger account "${id}" does not exist`, { param });
    }
    this.#reserve(tx, row.debitAccountId, Math.max(0, deltas[0].debitsPostedMicro + deltas[0].debitsPendingMicro));
    await this.#repository.writeTransfer(tx.db, row, deltas);
    const transfer: LedgerTransfer = { object: 'ledger_transfer', seq: 0, ...row };
    tx.afterCommit(() => {
      this.#book.apply(deltas);
      if (row.type === 'pending') {
        this.#openHolds.set(row.id, { transfer, timeoutAtMs: Date.parse(row.timeoutAt!), resolving: false });
      }
    });
    return { transfer, created: true };
  }

  /** Reserves what a transfer lowers its debit account by, until `tx` has ended; an account new in `tx` has nothing. */
  #reserve(tx: WriteTransaction, accountId: string, loweredMicro: number): void {
    const debit = this.#book.get(accountId);
    if (debit !== undefined && this.#book.reserve(debit, loweredMicro)) {
      tx.afterEnd(() => this.#book.unreserve(debit, loweredMicro));
      return;
    }
    if (loweredMicro === 0) return;
    const availableMicro = debit === undefined ? 0 : this.#book.view(debit).availableMicro;
    throw new CommonwealError(
      'insufficient_credits',
      `account "${accountId}" has ${availableMicro} micro-credits available, less than ${loweredMicro}`,
    );
  }

  #same(existing: LedgerTransfer, row: TransferRow): TransferResult {
    if (transferContent(existing) !== transferContent(row)) {
      throw new CommonwealError('idempotency_conflict', `transfer "${row.id}" already exists with different content`, {
        param: 'id',
      });
    }
    return { transfer: existing, created: false };
  }
}

function insufficient(subject: ChargeSubject, maxCostMicro: number, availableMicro: number): CommonwealError {
  return new CommonwealError(
    'insufficient_credits',
    `this request may cost up to ${maxCostMicro} micro-credits and organization "${subject.organizationId}" has ${availableMicro} available for it; lower max_tokens or add credits`,
  );
}

function sameKind(
  account: { readonly kind: string; readonly organizationId: string | null },
  spec: LedgerAccountSpec,
): void {
  if (account.kind !== spec.kind || account.organizationId !== (spec.organizationId ?? null)) {
    throw new CommonwealError(
      'idempotency_conflict',
      `ledger account "${spec.id}" already exists as a different account`,
      { param: 'id' },
    );
  }
}

function checkId(id: string, param: string): void {
  if (!idPattern.test(id))
    throw new CommonwealError(
      'invalid_request',
      `${param} must be 1-160 characters: letters, digits, ":", ".", "_" or "-"`,
      { param },
    );
}

function checkAmount(amountMicro: number): void {
  if (!Number.isSafeInteger(amountMicro) || amountMicro < 0 || amountMicro > amountMicroMax) {
    throw new CommonwealError('invalid_request', 'amountMicro must be a non-negative integer (micro-credits)', {
      param: 'amountMicro',
    });
  }
}
