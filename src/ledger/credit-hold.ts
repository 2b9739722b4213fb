import type { Transaction } from 'kysely';
import type { AfterCommit } from '../metering/index.js';
import type { Database } from '../store/index.js';
import { type AccountDelta, transferDeltas } from './account-delta.js';
import type { BudgetReservation } from './budget-book.js';
import { revenueAccountId } from './ledger-account.js';
import type { BookAccount, LedgerBook } from './ledger-book.js';
import type { LedgerRepository } from './ledger-repository.js';
import type { Charge } from './ledger-transfer.js';
import { type TokenPrices, tokenCostMicro } from './token-cost.js';

/** Part of a hold: what it reserved in one account. Grants come first, the organization's own account last. */
export interface HoldLeg {
  readonly account: BookAccount;
  readonly reservedMicro: number;
}

/** Whom a charge is for and what it bought, for statements, budgets and reports. */
export interface ChargeSubject {
  readonly organizationId: string;
  readonly projectId: string;
  readonly apiKeyId: string;
  readonly modelId: string;
}

/** The metered end of a request, as a charge needs it. */
export interface MeteredUsage {
  readonly id: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly createdAt: string;
}

export interface HoldParts {
  readonly book: LedgerBook;
  readonly repository: LedgerRepository;
  readonly legs: readonly HoldLeg[];
  /** Where a charge of nothing is recorded, so that every metered request has its transfer. */
  readonly zeroAccount: BookAccount;
  readonly budgets: BudgetReservation | null;
  readonly prices: TokenPrices;
  readonly subject: ChargeSubject;
}

/**
 * A request's credit hold: its maximum cost, reserved in memory before the model is
 * called, so that concurrent requests can never together spend more than the balance.
 * It ends exactly once: `writeCharge` posts the actual cost (never more than the hold)
 * in the transaction of the usage record and frees the rest when that commits; or
 * `release` frees it all when the request ended without a usage record.
 */
export class CreditHold {
  readonly maxCostMicro: number;
  readonly #parts: HoldParts;
  #ended = false;

  constructor(parts: HoldParts) {
    this.#parts = parts;
    this.maxCostMicro = parts.legs.reduce((sum, leg) => sum + leg.reservedMicro, 0);
  }

  /**
   * Writes the charge for `usage` and returns what to do once it has committed. May run
   * more than once (the writer retries), so it changes nothing outside `tx`.
   */
  async writeCharge(tx: Transaction<Database>, usage: MeteredUsage): Promise<AfterCommit> {
    const { repository, subject } = this.#parts;
    const costMicro = this.costOf(usage);
    const pieces = this.#split(costMicro);
    const deltas: AccountDelta[] = [];
    for (const [index, piece] of pieces.entries()) {
      const charge: Charge = {
        id: index === 0 ? `charge:${usage.id}` : `charge:${usage.id}:${index}`,
        debitAccountId: piece.account.id,
        amountMicro: piece.amountMicro,
        usageRecordId: usage.id,
        organizationId: subject.organizationId,
        projectId: subject.projectId,
        apiKeyId: subject.apiKeyId,
        modelId: subject.modelId,
        programId: piece.account.programId,
        createdAt: usage.createdAt,
      };
      const pair = transferDeltas('single', charge.debitAccountId, revenueAccountId, charge.amountMicro);
      await repository.writeCharge(tx, charge, pair);
      deltas.push(...pair);
    }
    return () => {
      // The charge has committed, so memory takes it whatever else happened to the hold.
      this.#parts.book.apply(deltas);
      this.#parts.budgets?.settle(costMicro, Date.parse(usage.createdAt));
      if (this.#ended) return;
      this.#ended = true;
      this.#unreserve();
    };
  }

  /** What `writeCharge` charges for `usage`: its cost at the model's prices, never more than the hold. */
  costOf(usage: Pick<MeteredUsage, 'promptTokens' | 'completionTokens'>): number {
    return Math.min(tokenCostMicro(this.#parts.prices, usage.promptTokens, usage.completionTokens), this.maxCostMicro);
  }

  /** Frees the whole hold; a no-op once the hold has ended. */
  release(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#unreserve();
    this.#parts.budgets?.release();
  }

  #unreserve(): void {
    for (const leg of this.#parts.legs) this.#parts.book.unreserve(leg.account, leg.reservedMicro);
  }

  /** The cost taken from the legs in order; a cost of nothing still gets its one transfer. */
  #split(costMicro: number): { account: BookAccount; amountMicro: number }[] {
    if (costMicro === 0) return [{ account: this.#parts.legs[0]?.account ?? this.#parts.zeroAccount, amountMicro: 0 }];
    const pieces: { account: BookAccount; amountMicro: number }[] = [];
    let leftMicro = costMicro;
    for (const leg of this.#parts.legs) {
      if (leftMicro === 0) break;
      const amountMicro = Math.min(leftMicro, leg.reservedMicro);
      if (amountMicro > 0) pieces.push({ account: leg.account, amountMicro });
      leftMicro -= amountMicro;
    }
    return pieces;
  }
}
