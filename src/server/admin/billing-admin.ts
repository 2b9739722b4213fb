import type { AdminChangeInput } from '../../audit/index.js';
import type { Budgets, Fund, Ledger, LedgerSweeper } from '../../ledger/index.js';
import type { RateLimits } from '../../limits/index.js';
import type { AdminPrincipal } from './admin-principal.js';

/** What the credits, fund and limits routes need. */
export interface BillingAdmin {
  readonly ledger: Ledger;
  readonly fund: Fund;
  readonly budgets: Budgets;
  readonly rateLimits: RateLimits;
  readonly sweeper: LedgerSweeper;
  /** How long past its timeout a hold may stay open before `ledger verify` calls it an orphan: a sweep's interval and then some. */
  readonly holdGraceMs: number;
}

/** A change made through the credits, fund or ledger routes, for the transparency log. */
export interface BillingChange {
  readonly action: string;
  readonly resource: string;
  readonly resourceId: string;
  readonly organizationId: string | null;
  readonly before?: unknown;
  readonly after: unknown;
}

/** A change made through the credits, fund or ledger routes as the leaf that `audit.commit` appends with it. */
export function billingChange(actor: AdminPrincipal, change: BillingChange): AdminChangeInput {
  return { actor, before: null, ...change };
}
