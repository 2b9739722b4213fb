import type { Selectable } from 'kysely';
import type { LedgerBudgetsTable } from '../store/index.js';

export const budgetScopes = ['organization', 'project', 'key'] as const;
export type BudgetScope = (typeof budgetScopes)[number];
export const budgetPeriods = ['day', 'month', 'window'] as const;
export type BudgetPeriod = (typeof budgetPeriods)[number];

/** A cap on what an organization, one of its projects or one of its keys may be charged per period. */
export interface Budget {
  readonly object: 'budget';
  readonly id: string;
  readonly organizationId: string;
  readonly scope: BudgetScope;
  /** The organization, project or key id the cap applies to. */
  readonly scopeId: string;
  /** A UTC calendar day or month, or the fixed window from `startsAt` to `endsAt`. */
  readonly period: BudgetPeriod;
  readonly startsAt: string | null;
  readonly endsAt: string | null;
  readonly limitMicro: number;
  readonly createdAt: string;
}

/** One period of a budget: charges made at or after `startMs` and before `endMs` count towards it. */
export interface BudgetWindow {
  readonly key: string;
  readonly startMs: number;
  readonly endMs: number;
}

export function toBudget(row: Selectable<LedgerBudgetsTable>): Budget {
  return { object: 'budget', ...row, scope: row.scope as BudgetScope, period: row.period as BudgetPeriod };
}

/** The period that contains `nowMs`, or undefined when a fixed window is not open then. */
export function budgetWindow(
  budget: Pick<Budget, 'period' | 'startsAt' | 'endsAt'>,
  nowMs: number,
): BudgetWindow | undefined {
  const now = new Date(nowMs);
  if (budget.period === 'day') {
    const startMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    return { key: new Date(startMs).toISOString().slice(0, 10), startMs, endMs: startMs + 86_400_000 };
  }
  if (budget.period === 'month') {
    const startMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    return {
      key: new Date(startMs).toISOString().slice(0, 7),
      startMs,
      endMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1),
    };
  }
  const startMs = Date.parse(budget.startsAt ?? '');
  const endMs = Date.parse(budget.endsAt ?? '');
  if (!(nowMs >= startMs && nowMs < endMs)) return undefined;
  return { key: 'window', startMs, endMs };
}
