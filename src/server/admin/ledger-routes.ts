import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TransferResult } from '../../ledger/index.js';
import type { WriteTransaction } from '../../store/index.js';
import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, requireOperator } from './admin-principal.js';
import { billingChange } from './billing-admin.js';
import { AmountMicro, Memo, TransferCodeSchema, TransferId } from './billing-schemas.js';
import { described, ListOf, responses } from './response-schemas.js';
import {
  LedgerAccountSchema,
  LedgerSweepSchema,
  LedgerTransferSchema,
  LedgerVerificationSchema,
} from './ledger-schemas.js';

const TransferParams = Type.Object({ transferId: Type.String() });
const TransferBody = Type.Object(
  {
    id: TransferId,
    debitAccountId: Type.String({ minLength: 1, maxLength: 160 }),
    creditAccountId: Type.String({ minLength: 1, maxLength: 160 }),
    amountMicro: AmountMicro,
    code: Type.Optional(TransferCodeSchema),
    timeoutMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 366 * 24 * 3600 * 1000,
        description: 'makes the transfer a hold, voided after this long',
      }),
    ),
    memo: Type.Optional(Memo),
  },
  { additionalProperties: false },
);
const PostBody = Type.Object(
  { id: TransferId, amountMicro: Type.Optional(AmountMicro) },
  { additionalProperties: false },
);
const ResolveBody = Type.Object({ id: TransferId }, { additionalProperties: false });
const ReverseBody = Type.Object({ id: TransferId, memo: Type.Optional(Memo) }, { additionalProperties: false });

/** What a transfer, posting, voiding or reversal answers: 201 when written, 200 when it was a retry. */
const transferAnswers = responses(
  {
    200: described(LedgerTransferSchema, 'the same transfer, retried'),
    201: described(LedgerTransferSchema, 'written'),
  },
  404,
  409,
  413,
);

/** The ledger itself, for the operator: accounts, transfers and holds, corrections, verification. */
export function ledgerRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { ledger, sweeper, holdGraceMs } = deps.billing;
  const tags = ['ledger'];

  app.get(
    '/ledger/accounts',
    { schema: { tags, response: responses({ 200: ListOf(LedgerAccountSchema) }) } },
    async (request) => {
      requireOperator(request.principal);
      return { object: 'list', data: ledger.accounts() };
    },
  );

  app.post<{ Body: Static<typeof TransferBody> }>(
    '/ledger/transfers',
    {
      schema: {
        tags,
        body: TransferBody,
        response: transferAnswers,
      },
    },
    async (request, reply) => {
      requireOperator(request.principal);
      const { created, transfer } = await commitTransfer(deps, request.principal, (tx) =>
        ledger.transferIn(tx, {
          ...request.body,
          code: request.body.code ?? 'transfer',
          memo: request.body.memo ?? null,
        }),
      );
      return reply.code(created ? 201 : 200).send(transfer);
    },
  );

  app.post<{ Params: Static<typeof TransferParams>; Body: Static<typeof PostBody> }>(
    '/ledger/transfers/:transferId/post',
    {
      schema: {
        tags,
        params: TransferParams,
        body: PostBody,
        response: transferAnswers,
      },
    },
    async (request, reply) => {
      requireOperator(request.principal);
      const { created, transfer } = await commitTransfer(deps, request.principal, (tx) =>
        ledger.postIn(tx, request.params.transferId, request.body),
      );
      return reply.code(created ? 201 : 200).send(transfer);
    },
  );

  app.post<{ Params: Static<typeof TransferParams>; Body: Static<typeof ResolveBody> }>(
    '/ledger/transfers/:transferId/void',
    {
      schema: {
        tags,
        params: TransferParams,
        body: ResolveBody,
        response: transferAnswers,
      },
    },
    async (request, reply) => {
      requireOperator(request.principal);
      const { created, transfer } = await commitTransfer(deps, request.principal, (tx) =>
        ledger.voidIn(tx, request.params.transferId, request.body),
      );
      return reply.code(created ? 201 : 200).send(transfer);
    },
  );

  app.post<{ Params: Static<typeof TransferParams>; Body: Static<typeof ReverseBody> }>(
    '/ledger/transfers/:transferId/reverse',
    {
      schema: {
        tags,
        params: TransferParams,
        body: ReverseBody,
        response: transferAnswers,
      },
    },
    async (request, reply) => {
      requireOperator(request.principal);
      const { created, transfer } = await commitTransfer(deps, request.principal, (tx) =>
        ledger.reverseIn(tx, request.params.transferId, request.body),
      );
      return reply.code(created ? 201 : 200).send(transfer);
    },
  );

  app.get(
    '/ledger/verify',
    { schema: { tags, response: responses({ 200: LedgerVerificationSchema }) } },
    async (request) => {
      requireOperator(request.principal);
      return ledger.verify(holdGraceMs);
    },
  );

  app.post('/ledger/sweep', { schema: { tags, response: responses({ 200: LedgerSweepSchema }) } }, async (request) => {
    requireOperator(request.principal);
    return { object: 'ledger_sweep', ...(await sweeper.sweep()) };
  });
}

/**
 * Writes a transfer and its leaf in one transaction. A new transfer is answered 201; a
 * repeat of an idempotent id changes nothing, adds no leaf and returns the first result
 * with 200.
 */
function commitTransfer(
  deps: AdminDeps,
  actor: AdminPrincipal,
  write: (tx: WriteTransaction) => Promise<TransferResult>,
): Promise<TransferResult> {
  return deps.audit.commit(async (tx) => {
    const result = await write(tx);
    const { created, transfer } = result;
    const change = billingChange(actor, {
      action: transfer.type,
      resource: 'transfer',
      resourceId: transfer.id,
      organizationId: transfer.organizationId,
      after: transfer,
    });
    return { result, change: created ? change : null };
  });
}
