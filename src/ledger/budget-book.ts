import { CommonwealError } from '../errors/index.js';
import { type Budget, budgetWindow } from './budget.js';

/** Who a charge is for, as budgets are scoped. */
export interface BudgetSubject {
  readonly organizationId: string;
  readonly projectId: string;
  readonly apiKeyId: string;
}

interface BudgetState {
  readonly budget: Budget;
  periodKey: string;
  spentMicro: number;
  reservedMicro: number;
}

/** What a request reserved in each budget that applies to it; settled or released exactly once. */
export class BudgetReservation {
  readonly #book: BudgetBook;
  readonly #states: readonly BudgetState[];
  readonly #amountMicro: number;
  #released = false;
  #settled = false;

  constructor(book: BudgetBook, states: readonly BudgetState[], amountMicro: number) {
    this.#book = book;
    this.#states = states;
    this.#amountMicro = amountMicro;
  }

  /** Converts the reservation into spending of `chargeMicro`, in the period of `chargedAtMs`. */
  settle(chargeMicro: number, chargedAtMs: number): void {
    if (this.#settled) return;
    this.#settled = true;
    this.release();
    for (const state of this.#states) if (this.#book.roll(state, chargedAtMs)) state.spentMicro += chargeMicro;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const state of this.#states) state.reservedMicro -= this.#amountMicro;
  }
}

/**
 * Budgets in memory: what each has spent in its current period and what requests in
 * flight have reserved. A request is admitted only if its maximum cost fits every
 * budget that applies to it, so a burst of concurrent requests cannot overshoot one.
 */
export class BudgetBook {
  readonly #byOrganization = new Map<string, BudgetState[]>();

  /** Adds a budget with what it has spent so far in the period `periodKey`. */
  add(budget: Budget, spentMicro: number, periodKey: string): void {
    const list = (this.#byOrganization.get(budget.organizationId) ?? []).filter((s) => s.budget.id !== budget.id);
    list.push({ budget, periodKey, spentMicro, reservedMicro: 0 });
    this.#byOrganization.set(budget.organizationId, list);
  }

  remove(organizationId: string, budgetId: string): void {
    const list = this.#byOrganization.get(organizationId)?.filter((s) => s.budget.id !== budgetId) ?? [];
    this.#byOrganization.set(organizationId, list);
  }

  /** Spent and reserved micro-credits of a budget in its current period. */
  usage(
    organizationId: string,
    budgetId: string,
    nowMs: number,
  ): { spentMicro: number; reservedMicro: number } | undefined {
    const state = this.#byOrganization.get(organizationId)?.find((s) => s.budget.id === budgetId);
    if (state === undefined) return undefined;
    return this.roll(state, nowMs)
      ? { spentMicro: state.spentMicro, reservedMicro: state.reservedMicro }
      : { spentMicro: 0, reservedMicro: 0 };
  }

  /** Reserves `amountMicro` in every budget of the subject, or throws `budget_exceeded` and reserves nothing. */
  reserve(subject: BudgetSubject, amountMicro: number, nowMs: number): BudgetReservation | null {
    const states = this.#byOrganization.get(subject.organizationId);
    if (states === undefined || states.length === 0) return null;
    const applying = states.filter((s) => applies(s.budget, subject) && this.roll(s, nowMs));
    if (applying.length === 0) return null;
    for (const state of applying) {
      const leftMicro = state.budget.limitMicro - state.spentMicro - state.reservedMicro;
      if (amountMicro > leftMicro) {
        throw new CommonwealError(
          'budget_exceeded',
          `this request may cost up to ${amountMicro} micro-credits, more than the ${Math.max(0, leftMicro)} left in ${state.budget.scope} budget "${state.budget.id}" for this ${state.budget.period}`,
        );
      }
    }
    for (const state of applying) state.reservedMicro += amountMicro;
    return new BudgetReservation(this, applying, amountMicro);
  }

  /** Moves a budget into the period of `nowMs`, starting its spending at zero; false when no period is open then. */
  roll(state: BudgetState, nowMs: number): boolean {
    const window = budgetWindow(state.budget, nowMs);
    if (window === undefined) return false;
    if (window.key !== state.periodKey) {
      state.periodKey = window.key;
      state.spentMicro = 0;
    }
    return true;
  }
}

function applies(budget: Budget, subject: BudgetSubject): boolean {
  if (budget.scope === 'organization') return true;
  if (budget.scope === 'project') return budget.scopeId === subject.projectId;
  return budget.scopeId === subject.apiKeyId;
}
