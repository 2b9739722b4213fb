import { Type } from '@sinclair/typebox';
import { budgetPeriods, budgetScopes, transferCodes } from '../../ledger/index.js';
import { rateLimitScopes } from '../../limits/index.js';
import { LedgerAccountSchema } from './ledger-schemas.js';
import { Closed, Instant, Micro, Nullable, StringEnum } from './response-schemas.js';

/** The answers about an organization's credits: balance, statement, budgets and rate limits. */

export const BalanceSchema = Closed({
  object: Type.Literal('balance'),
  organizationId: Type.String(),
  balanceMicro: Micro,
  availableMicro: { ...Micro, description: 'what open, unexpired accounts may still spend' },
  accounts: Type.Array(LedgerAccountSchema),
});

const StatementLineSchema = Closed({
  transferId: Type.String(),
  createdAt: Instant,
  code: StringEnum(transferCodes),
  accountId: Type.String(),
  counterpartyAccountId: Type.String(),
  amountMicro: { ...Micro, description: 'positive when credits came in, negative when they went out' },
  balanceMicro: { ...Micro, description: "the organization's balance after this transfer" },
  usageRecordId: Nullable(Type.String()),
  projectId: Nullable(Type.String()),
  apiKeyId: Nullable(Type.String()),
  modelId: Nullable(Type.String()),
  programId: Nullable(Type.String()),
  memo: Nullable(Type.String()),
});

export const StatementSchema = Closed({
  object: Type.Literal('statement'),
  organizationId: Type.String(),
  since: Nullable(Instant),
  until: Nullable(Instant),
  openingBalanceMicro: Micro,
  closingBalanceMicro: Micro,
  writtenOffMicro: { ...Micro, description: 'usage beyond what requests held, written off rather than charged' },
  lines: Type.Array(StatementLineSchema),
});

export const BudgetSchema = Closed({
  object: Type.Literal('budget'),
  id: Type.String(),
  organizationId: Type.String(),
  scope: StringEnum(budgetScopes),
  scopeId: Type.String(),
  period: StringEnum(budgetPeriods),
  startsAt: Nullable(Instant),
  endsAt: Nullable(Instant),
  limitMicro: Micro,
  createdAt: Instant,
  spentMicro: { ...Micro, description: 'charged in the current period' },
  reservedMicro: { ...Micro, description: 'held by requests in flight' },
});

export const RateLimitSchema = Closed({
  object: Type.Literal('rate_limit'),
  id: Type.String({ description: 'project:<projectId> or key:<keyId>' }),
  organizationId: Type.String(),
  scope: StringEnum(rateLimitScopes),
  scopeId: Type.String(),
  requestsPerMinute: Nullable(Type.Integer({ description: 'null: unlimited' })),
  tokensPerMinute: Nullable(Type.Integer({ description: 'null: unlimited' })),
  updatedAt: Instant,
});
