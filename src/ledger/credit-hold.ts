import { invariant } from '../errors/index.js';
import type { WriteTransaction } from '../store/index.js';
import { type AccountDelta, transferDeltas } from './account-delta.js';
import type { BudgetReservation } from './budget-book.js';
import { revenueAccountId, writeOffAccountId } from './ledger-account.js';
import type { BookAccount, LedgerBook } from './ledger-book.js';
import type { LedgerRepository } from './ledger-repository.js';
import type { SharedHolds } from './shared-holds.js';
import type { Charge, TransferRow } from './ledger-transfer.js';
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

/** A metered request's cost in the ledger: `pricedMicro = chargedMicro + writtenOffMicro`. */
export interface RequestCredits {
  readonly creditsPricedMicro: number;
  readonly creditsChargedMicro: number;
  readonly creditsWrittenOffMicro: number;
}

/** The metered end of a request, as its charge needs it: `credits` are what `price` gave for its tokens. */
export interface MeteredUsage extends RequestCredits {
  readonly id: string;
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
  /**
   * Where the legs are reserved when replicas share holds (see `SharedHolds`); null when
   * they are reserved in this process's book.
   */
  readonly shared: { readonly holds: SharedHolds; readonly id: string } | null;
}

/**
 * A request's credit hold: its maximum cost, reserved before the model is called (in
 * memory, or where every replica sees it), so that concurrent requests can never
 * together spend more than the balance.
 * It ends exactly once: `writeCharge` posts the actual cost (never more than the hold)
 * in the transaction of the usage record and frees the rest when that commits; or
 * `release` frees it all when the request ended without a usage record. What a model
 * server reports beyond the hold is not lost: the platform writes it off, from its
 * write-off account to revenue, in the same transaction.
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
   * Writes the charge for `usage`; memory follows once `tx` has committed. May run more
   * than once (the writer retries), so it changes nothing outside `tx` before then.
   */
  async writeCharge(tx: WriteTransaction, usage: MeteredUsage): Promise<void> {
    const { repository, subject, shared } = this.#parts;
    const costMicro = usage.creditsChargedMicro;
    // Checked inside the transaction, so a broken charge writes nothing. Beyond the hold,
    // the split below would charge the legs less than the record says; a record whose
    // parts do not add up would make the ledger and the usage records disagree.
    invariant(costMicro >= 0 && costMicro <= this.maxCostMicro, 'a charge never exceeds its hold');
    invariant(
      usage.creditsWrittenOffMicro >= 0 && usage.creditsPricedMicro === costMicro + usage.creditsWrittenOffMicro,
      'a priced request is charged or written off, to the micro-credit',
    );
    const deltas: AccountDelta[] = [];
    for (const [index, piece] of this.#split(costMicro).entries()) {
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
    if (usage.creditsWrittenOffMicro > 0) {
      const row = writeOffRow(usage, subject);
      const pair = transferDeltas('single', row.debitAccountId, row.creditAccountId, row.amountMicro);
      await repository.writeOff(tx, row, pair);
      deltas.push(...pair);
    }
    shared?.holds.endIn(tx, shared.id);
    tx.afterCommit(() => {
      // The charge has committed, so memory takes it whatever else happened to the hold.
      this.#parts.book.apply(deltas);
      this.#parts.budgets?.settle(costMicro, Date.parse(usage.createdAt));
      if (this.#ended) return;
      this.#ended = true;
      // A shared hold's rows went with the charge, in the same transaction.
      if (shared === null) this.#unreserve();
    });
  }

  /**
   * What a request that used these tokens owes: their cost at the model's prices, of which
   * the organization is charged at most the hold, and the platform writes off the rest.
   */
  price(usage: { readonly promptTokens: number; readonly completionTokens: number }): RequestCredits {
    const pricedMicro = tokenCostMicro(this.#parts.prices, usage.promptTokens, usage.completionTokens);
    const chargedMicro = Math.min(pricedMicro, this.maxCostMicro);
    return {
      creditsPricedMicro: pricedMicro,
      creditsChargedMicro: chargedMicro,
      creditsWrittenOffMicro: pricedMicro - chargedMicro,
    };
  }

  /** Frees the whole hold; a no-op once the hold has ended. */
  release(): void {
    if (this.#ended) return;
    this.#ended = true;
    const { shared } = this.#parts;
    if (shared === null) this.#unreserve();
    else shared.holds.end(shared.id);
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

/**
 * The write-off of what a request's model server reported beyond its hold: from the
 * platform's write-off account to revenue, tagged like the request's charge.
 */
function writeOffRow(usage: MeteredUsage, subject: ChargeSubject): TransferRow {
  return {
    id: `write-off:${usage.id}`,
    type: 'single',
    code: 'write_off',
    debitAccountId: writeOffAccountId,
    creditAccountId: revenueAccountId,
    amountMicro: usage.creditsWrittenOffMicro,
    pendingId: null,
    timeoutAt: null,
    reversesId: null,
    usageRecordId: usage.id,
    organizationId: subject.organizationId,
    projectId: subject.projectId,
    apiKeyId: subject.apiKeyId,
    modelId: subject.modelId,
    programId: null,
    memo: 'usage beyond the hold',
    createdAt: usage.createdAt,
  };
}
