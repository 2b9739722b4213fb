import { Type } from '@sinclair/typebox';
import { applicationStatuses } from '../../ledger/index.js';
import { Closed, Instant, Micro, Nullable, StringEnum } from './response-schemas.js';

/** The answers about the startup fund: programs, applications and reports, as src/ledger defines them. */

export const ProgramSchema = Closed({
  object: Type.Literal('program'),
  id: Type.String(),
  name: Type.String(),
  poolAccountId: Type.String(),
  defaultGrantMicro: Micro,
  grantDurationDays: Type.Integer(),
  eligibleModels: Nullable(Type.Array(Type.String(), { description: 'null: every model' })),
  opensAt: Instant,
  closesAt: Nullable(Instant),
  createdAt: Instant,
});

export const ApplicationSchema = Closed({
  object: Type.Literal('application'),
  id: Type.String(),
  programId: Type.String(),
  organizationId: Type.String(),
  description: Type.String(),
  status: StringEnum(applicationStatuses),
  amountMicro: Nullable({ ...Micro, description: 'what was granted, once approved' }),
  reason: Nullable(Type.String({ description: 'why it was rejected' })),
  grantAccountId: Nullable(Type.String()),
  grantExpiresAt: Nullable(Instant),
  decidedAt: Nullable(Instant),
  createdAt: Instant,
});

export const ProgramReportSchema = Closed({
  object: Type.Literal('program_report'),
  program: ProgramSchema,
  fundedMicro: Micro,
  grantedMicro: Micro,
  usedMicro: Micro,
  expiredMicro: Micro,
  outstandingMicro: { ...Micro, description: 'in grant accounts: granted, not yet used or expired' },
  remainingMicro: { ...Micro, description: 'in the pool, to be granted' },
  applications: Closed({ pending: Type.Integer(), approved: Type.Integer(), rejected: Type.Integer() }),
  topConsumers: Type.Array(Closed({ organizationId: Type.String(), usedMicro: Micro, requests: Type.Integer() })),
  byModel: Type.Array(Closed({ modelId: Type.String(), usedMicro: Micro, requests: Type.Integer() })),
});
