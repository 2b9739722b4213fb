import type { Selectable } from 'kysely';
import type { FundApplicationsTable, FundProgramsTable } from '../store/index.js';
import { programPoolAccountId } from './ledger-account.js';

/** A fund program, such as "National AI Startup Fund 2027": a pool of credits and the terms of its grants. */
export interface FundProgram {
  readonly object: 'program';
  readonly id: string;
  readonly name: string;
  readonly poolAccountId: string;
  readonly defaultGrantMicro: number;
  /** Granted credits expire this many days after approval, back to the pool. */
  readonly grantDurationDays: number;
  /** The models grants may pay for; null for every model. */
  readonly eligibleModels: readonly string[] | null;
  /** Applications are accepted from `opensAt` until `closesAt` (open-ended when null). */
  readonly opensAt: string;
  readonly closesAt: string | null;
  readonly createdAt: string;
}

export const applicationStatuses = ['pending', 'approved', 'rejected'] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];

/** An organization's application to a program, and the operator's decision on it. */
export interface FundApplication {
  readonly object: 'application';
  readonly id: string;
  readonly programId: string;
  readonly organizationId: string;
  readonly description: string;
  readonly status: ApplicationStatus;
  /** What was granted, once approved. */
  readonly amountMicro: number | null;
  /** Why it was rejected. */
  readonly reason: string | null;
  readonly grantAccountId: string | null;
  readonly grantExpiresAt: string | null;
  readonly decidedAt: string | null;
  readonly createdAt: string;
}

export function toFundProgram(row: Selectable<FundProgramsTable>): FundProgram {
  return {
    object: 'program',
    ...row,
    poolAccountId: programPoolAccountId(row.id),
    eligibleModels: row.eligibleModels === null ? null : (JSON.parse(row.eligibleModels) as string[]),
  };
}

export function toFundApplication(row: Selectable<FundApplicationsTable>): FundApplication {
  return { object: 'application', ...row, status: row.status as ApplicationStatus };
}
