import { type Kysely, sql } from 'kysely';
import { CommonwealError } from '../errors/index.js';
import { type Database, newRecordId, type WriteTransaction } from '../store/index.js';
import { type Budget, type BudgetPeriod, type BudgetScope, budgetWindow, toBudget } from './budget.js';
import { BudgetBook, type BudgetReservation, type BudgetSubject } from './budget-book.js';
import { type Ledger, ledgerInternals } from './ledger.js';

export interface BudgetInput {
  readonly scope: BudgetScope;
  readonly scopeId?: string | undefined;
  readonly period: BudgetPeriod;
  readonly startsAt?: string | undefined;
  readonly endsAt?: string | undefined;
  readonly limitMicro: number;
}

/** A budget as the API shows it, with what it has spent and reserved in its current period. */
export type BudgetView = Budget & { readonly spentMicro: number; readonly reservedMicro: number };

/**
 * Budgets: stored in their table, kept in a `BudgetBook` for the hot path. What a
 * budget has spent is read from the charges in the ledger, inside the writer's
 * transaction, so that no charge is counted twice or missed while a budget is added.
 */
export class Budgets {
  readonly #book = new BudgetBook();
  readonly #ledger: Ledger;

  private constructor(ledger: Ledger) {
    this.#ledger = ledger;
  }

  static async open(ledger: Ledger): Promise<Budgets> {
    const budgets = new Budgets(ledger);
    const rows = await ledgerInternals(ledger).db.selectFrom('ledgerBudgets').selectAll().orderBy('id').execute();
    for (const row of rows) {
      const budget = toBudget(row);
      const window = budgetWindow(budget, ledger.nowMs());
      const spentMicro =
        window === undefined
          ? 0
          : await budgets.#spent(ledgerInternals(ledger).db, budget, window.startMs, window.endMs);
      budgets.#book.add(budget, spentMicro, window?.key ?? '');
    }
    return budgets;
  }

  async list(organizationId: string): Promise<BudgetView[]> {
    const rows = await ledgerInternals(this.#ledger)
      .db.selectFrom('ledgerBudgets')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .orderBy('id')
      .execute();
    return rows.map((row) => this.#view(toBudget(row)));
  }

  /**
   * Adds a budget in `tx`, so that the change's log leaf commits with it; the hot path
   * counts against it once `tx` has committed. A new budget has reserved nothing yet.
   */
  async create(tx: WriteTransaction, organizationId: string, input: BudgetInput): Promise<BudgetView> {
    const budget = this.#checked(organizationId, input);
    const window = budgetWindow(budget, this.#ledger.nowMs());
    const { object: _kind, ...row } = budget;
    await tx.db.insertInto('ledgerBudgets').values(row).execute();
    const spentMicro = window === undefined ? 0 : await this.#spent(tx.db, budget, window.startMs, window.endMs);
    tx.afterCommit(() => this.#book.add(budget, spentMicro, window?.key ?? ''));
    return { ...budget, spentMicro, reservedMicro: 0 };
  }

  /** Deletes a budget in `tx`; the budget as it was, or undefined when there was none. */
  async delete(tx: WriteTransaction, organizationId: string, budgetId: string): Promise<Budget | undefined> {
    const row = await tx.db
      .selectFrom('ledgerBudgets')
      .selectAll()
      .where('id', '=', budgetId)
      .where('organizationId', '=', organizationId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    await tx.db
      .deleteFrom('ledgerBudgets')
      .where('id', '=', budgetId)
      .where('organizationId', '=', organizationId)
      .execute();
    tx.afterCommit(() => this.#book.remove(organizationId, budgetId));
    return toBudget(row);
  }

  /**
   * Reserves a request's `amountMicro` in every budget it counts against, or throws
   * `budget_exceeded` and reserves nothing; null when no budget applies to it.
   */
  reserve(subject: BudgetSubject, amountMicro: number): BudgetReservation | null {
    return this.#book.reserve(subject, amountMicro, this.#ledger.nowMs());
  }

  #view(budget: Budget): BudgetView {
    const usage = this.#book.usage(budget.organizationId, budget.id, this.#ledger.nowMs()) ?? {
      spentMicro: 0,
      reservedMicro: 0,
    };
    return { ...budget, ...usage };
  }

  #checked(organizationId: string, input: BudgetInput): Budget {
    if (
      input.period === 'window' &&
      (input.startsAt === undefined ||
        input.endsAt === undefined ||
        Date.parse(input.startsAt) >= Date.parse(input.endsAt))
    ) {
      throw new CommonwealError('invalid_request', 'a window budget needs startsAt before endsAt', { param: 'endsAt' });
    }
    if (input.scope !== 'organization' && input.scopeId === undefined) {
      throw new CommonwealError('invalid_request', `a ${input.scope} budget needs scopeId`, { param: 'scopeId' });
    }
    const windowed = input.period === 'window';
    return {
      object: 'budget',
      // Generated, never chosen: a chosen id could collide with another organization's and reveal it.
      id: newRecordId('budget'),
      organizationId,
      scope: input.scope,
      scopeId: input.scope === 'organization' ? organizationId : input.scopeId!,
      period: input.period,
      startsAt: windowed ? new Date(Date.parse(input.startsAt!)).toISOString() : null,
      endsAt: windowed ? new Date(Date.parse(input.endsAt!)).toISOString() : null,
      limitMicro: input.limitMicro,
      createdAt: new Date(this.#ledger.nowMs()).toISOString(),
    };
  }

  async #spent(db: Kysely<Database>, budget: Budget, startMs: number, endMs: number): Promise<number> {
    const accountIds = this.#ledger.accountsOf(budget.organizationId).map((a) => a.id);
    if (accountIds.length === 0) return 0;
    const row = await chargesQuery(db, accountIds, new Date(startMs).toISOString(), new Date(endMs).toISOString())
      .$if(budget.scope === 'project', (q) => q.where('projectId', '=', budget.scopeId))
      .$if(budget.scope === 'key', (q) => q.where('apiKeyId', '=', budget.scopeId))
      .select(sql<string | number>`coalesce(sum(amount_micro), 0)`.as('spent'))
      .executeTakeFirstOrThrow();
    return Number(row.spent);
  }
}

/**
 * The charges debited to `accountIds` in [from, until): one range of the debit index,
 * keyed by (debit account, time), per account.
 */
export function chargesQuery(db: Kysely<Database>, accountIds: readonly string[], from: string, until: string) {
  return db
    .selectFrom('ledgerTransfers')
    .where('debitAccountId', 'in', accountIds)
    .where('createdAt', '>=', from)
    .where('createdAt', '<', until)
    .where('code', '=', 'charge');
}
