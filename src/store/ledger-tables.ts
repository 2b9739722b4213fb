import type { Generated } from 'kysely';

/*
 * The tables of the credits ledger, the fund and the limits (migration 0004), in the
 * same conventions as database.ts: camelCase here, snake_case in SQL, money in integer
 * micro-credits, timestamps as ISO-8601 UTC strings.
 */

/**
 * One account, with its four running sums as TigerBeetle keeps them: the balance is
 * `creditsPostedMicro - debitsPostedMicro`, and pending sums are reserved by holds.
 */
export interface LedgerAccountsTable {
  id: string;
  kind: string;
  organizationId: string | null;
  programId: string | null;
  /** The lowest balance allowed once pending debits are counted; null for no floor (the issuance account). */
  floorMicro: number | null;
  debitsPostedMicro: number;
  creditsPostedMicro: number;
  debitsPendingMicro: number;
  creditsPendingMicro: number;
  /** Granted credits stop being spendable at this instant and return to their program's pool. */
  expiresAt: string | null;
  /** Set when an expired grant's credits went back to the pool; the account is then closed. */
  closedAt: string | null;
  createdAt: string;
}

/** Immutable: a row is never updated or deleted; corrections are new reversing rows. */
export interface LedgerTransfersTable {
  seq: Generated<number>;
  id: string;
  /** `single` (posted at once), `pending` (a hold), `post_pending` or `void_pending` (its one resolution). */
  type: string;
  code: string;
  debitAccountId: string;
  creditAccountId: string;
  amountMicro: number;
  pendingId: string | null;
  timeoutAt: string | null;
  reversesId: string | null;
  usageRecordId: string | null;
  organizationId: string | null;
  projectId: string | null;
  apiKeyId: string | null;
  modelId: string | null;
  programId: string | null;
  memo: string | null;
  createdAt: string;
}

/**
 * What a request in flight has reserved in one account, when replicas share holds
 * (migration 0015); deleted when the request settles, or by any replica once expired.
 */
export interface LedgerRequestHoldsTable {
  id: string;
  accountId: string;
  amountMicro: number;
  /** Milliseconds since the epoch; the replica that holds it moves it forward while the request runs. */
  expiresAtMs: number;
  createdAt: string;
}

export interface LedgerBudgetsTable {
  id: string;
  organizationId: string;
  scope: string;
  scopeId: string;
  period: string;
  startsAt: string | null;
  endsAt: string | null;
  limitMicro: number;
  createdAt: string;
}

export interface RateLimitsTable {
  id: string;
  organizationId: string;
  scope: string;
  scopeId: string;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  updatedAt: string;
}

export interface FundProgramsTable {
  id: string;
  name: string;
  defaultGrantMicro: number;
  grantDurationDays: number;
  /** A JSON array of model ids, or null when every model is eligible. */
  eligibleModels: string | null;
  opensAt: string;
  closesAt: string | null;
  createdAt: string;
}

export interface FundApplicationsTable {
  id: string;
  programId: string;
  organizationId: string;
  description: string;
  status: string;
  amountMicro: number | null;
  reason: string | null;
  grantAccountId: string | null;
  grantExpiresAt: string | null;
  decidedAt: string | null;
  createdAt: string;
}
