import type { Budgets, Fund, Ledger, LedgerSweeper } from '../../ledger/index.js';
import type { RateLimits } from '../../limits/index.js';
import type { AdminPrincipal } from './admin-principal.js';
import type { AdminDeps } from './admin-deps.js';

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

/** Makes a change a leaf of the transparency log, once it is written. */
export async function auditBillingChange(deps: AdminDeps, actor: AdminPrincipal, change: BillingChange): Promise<void> {
  await deps.audit.recordAdminChange({ actor, before: null, ...change });
}
