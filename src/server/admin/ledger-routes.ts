import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type LedgerTransfer, verifyLedger } from '../../ledger/index.js';
import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, requireOperator } from './admin-principal.js';
import { auditBillingChange } from './billing-admin.js';
import { AmountMicro, Memo, TransferCodeSchema, TransferId } from './billing-schemas.js';

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

/** The ledger itself, for the operator: accounts, transfers and holds, corrections, verification. */
export function ledgerRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { ledger, sweeper, holdGraceMs } = deps.billing;
  const tags = ['ledger'];

  app.get('/ledger/accounts', { schema: { tags } }, async (request) => {
    requireOperator(request.principal);
    return { object: 'list', data: ledger.accounts() };
  });

  app.post<{ Body: Static<typeof TransferBody> }>(
    '/ledger/transfers',
    { schema: { tags, body: TransferBody } },
    async (request, reply) => {
      requireOperator(request.principal);
      const result = await ledger.transfer({
        ...request.body,
        code: request.body.code ?? 'transfer',
        memo: request.body.memo ?? null,
      });
      return answerTransfer(deps, request.principal, reply, result);
    },
  );

  app.post<{ Params: Static<typeof TransferParams>; Body: Static<typeof PostBody> }>(
    '/ledger/transfers/:transferId/post',
    { schema: { tags, params: TransferParams, body: PostBody } },
    async (request, reply) => {
      requireOperator(request.principal);
      const result = await ledger.post(request.params.transferId, request.body);
      return answerTransfer(deps, request.principal, reply, result);
    },
  );

  app.post<{ Params: Static<typeof TransferParams>; Body: Static<typeof ResolveBody> }>(
    '/ledger/transfers/:transferId/void',
    { schema: { tags, params: TransferParams, body: ResolveBody } },
    async (request, reply) => {
      requireOperator(request.principal);
      const result = await ledger.void(request.params.transferId, request.body);
      return answerTransfer(deps, request.principal, reply, result);
    },
  );

  app.post<{ Params: Static<typeof TransferParams>; Body: Static<typeof ReverseBody> }>(
    '/ledger/transfers/:transferId/reverse',
    { schema: { tags, params: TransferParams, body: ReverseBody } },
    async (request, reply) => {
      requireOperator(request.principal);
      const result = await ledger.reverse(request.params.transferId, request.body);
      return answerTransfer(deps, request.principal, reply, result);
    },
  );

  app.get('/ledger/verify', { schema: { tags } }, async (request) => {
    requireOperator(request.principal);
    return verifyLedger(ledger.repository.db, ledger.nowMs(), holdGraceMs);
  });

  app.post('/ledger/sweep', { schema: { tags } }, async (request) => {
    requireOperator(request.principal);
    return { object: 'ledger_sweep', ...(await sweeper.sweep()) };
  });
}

/**
 * A new transfer is logged and answered 201; a repeat of an idempotent id changes nothing
 * and returns the first result with 200.
 */
async function answerTransfer(
  deps: AdminDeps,
  actor: AdminPrincipal,
  reply: FastifyReply,
  result: { readonly created: boolean; readonly transfer: LedgerTransfer },
): Promise<FastifyReply> {
  const { created, transfer } = result;
  if (created) {
    await auditBillingChange(deps, actor, {
      action: transfer.type,
      resource: 'transfer',
      resourceId: transfer.id,
      organizationId: transfer.organizationId,
      after: transfer,
    });
  }
  return reply.code(created ? 201 : 200).send(transfer);
}
