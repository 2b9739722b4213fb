import type { Selectable } from 'kysely';
import type { LedgerAccountsTable } from '../store/index.js';

/**
 * `organization`: an organization's own balance; `grant`: credits granted to one
 * organization by a fund program, spendable until they expire; `program_pool`: a
 * program's unallocated credits; `revenue`: where charges go; `issuance`: an account
 * without a floor, whose negative balance is every credit ever issued; `write_off`: the
 * other one without a floor, whose negative balance is every credit of usage that model
 * servers reported beyond what requests held, and that no organization was charged.
 */
export const ledgerAccountKinds = [
  'organization',
  'grant',
  'program_pool',
  'revenue',
  'issuance',
  'write_off',
] as const;
export type LedgerAccountKind = (typeof ledgerAccountKinds)[number];

export interface LedgerAccount {
  readonly object: 'ledger_account';
  readonly id: string;
  readonly kind: LedgerAccountKind;
  readonly organizationId: string | null;
  readonly programId: string | null;
  readonly floorMicro: number | null;
  readonly debitsPostedMicro: number;
  readonly creditsPostedMicro: number;
  readonly debitsPendingMicro: number;
  readonly creditsPendingMicro: number;
  /** `creditsPostedMicro - debitsPostedMicro`. */
  readonly balanceMicro: number;
  /** The balance less pending debits and in-flight reservations: what a new debit may take down to the floor. */
  readonly availableMicro: number;
  readonly expiresAt: string | null;
  readonly closedAt: string | null;
  readonly createdAt: string;
}

/** What it takes to open an account; the sums start at zero. */
export interface LedgerAccountSpec {
  readonly id: string;
  readonly kind: LedgerAccountKind;
  readonly organizationId?: string | null;
  readonly programId?: string | null;
  /** Default 0: no overdraft. Null: no floor, for the issuance account only. */
  readonly floorMicro?: number | null;
  readonly expiresAt?: string | null;
}

export const issuanceAccountId = 'issuance';
export const revenueAccountId = 'revenue';
export const writeOffAccountId = 'write-off';

export function organizationAccountId(organizationId: string): string {
  return `org:${organizationId}`;
}

export function programPoolAccountId(programId: string): string {
  return `pool:${programId}`;
}

export function grantAccountId(applicationId: string): string {
  return `grant:${applicationId}`;
}

export function toLedgerAccountRow(spec: LedgerAccountSpec, createdAt: string): Selectable<LedgerAccountsTable> {
  return {
    id: spec.id,
    kind: spec.kind,
    organizationId: spec.organizationId ?? null,
    programId: spec.programId ?? null,
    floorMicro: spec.floorMicro === undefined ? 0 : spec.floorMicro,
    debitsPostedMicro: 0,
    creditsPostedMicro: 0,
    debitsPendingMicro: 0,
    creditsPendingMicro: 0,
    expiresAt: spec.expiresAt ?? null,
    closedAt: null,
    createdAt,
  };
}
