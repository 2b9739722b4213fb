import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
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
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 * 24 * 3600 * 1000, description: 'makes the transfer a hold, voided after this long' })),
    memo: Type.Optional(Memo),
  },
  { additionalProperties: false },
);
const PostBody = Type.Object({ id: TransferId, amountMicro: Type.Optional(AmountMicro) }, { additionalProperties: false });
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

  app.post<{ Body: Static<typeof TransferBody> }>('/ledger/transfers', { schema: { tags, body: TransferBody } }, async (request, reply) => {
    requireOperator(request.principal);
    const result = await ledger.transfer({ ...request.body, code: request.body.code ?? 'transfer', memo: request.body.memo ?? null });
    if (result.created) await auditTransfer(deps, request.principal, result.transfer);
    return reply.code(result.created ? 201 : 200).send(result.transfer);
  });

  app.post<{ Params: Static<typeof TransferParams>; Body: Static<typeof PostBody> }>(
    '/ledger/transfers/:transferId/post',
    { schema: { tags, params: TransferParams, body: PostBody } },
    async (request, reply) => {
      requireOperator(request.principal);
      const result = await ledger.post(request.params.transferId, request.body);
      if (result.created) await auditTransfer(deps, request.principal, result.transfer);
      return reply.code(result.created ? 201 : 200).send(result.transfer);
    },
  );

  app.post<{ Params: Static<typeof TransferParams>; Body: Static<typeof ResolveBody> }>(
    '/ledger/transfers/:transferId/void',
    { schema: { tags, params: TransferParams, body: ResolveBody } },
    async (request, reply) => {
      requireOperator(request.principal);
      const result = await ledger.void(request.params.transferId, request.body);
      if (result.created) await auditTransfer(deps, request.principal, result.transfer);
      return reply.code(result.created ? 201 : 200).send(result.transfer);
    },
  );

  app.post<{ Params: Static<typeof TransferParams>; Body: Static<typeof ReverseBody> }>(
    '/ledger/transfers/:transferId/reverse',
    { schema: { tags, params: TransferParams, body: ReverseBody } },
    async (request, reply) => {
      requireOperator(request.principal);
      const result = await ledger.reverse(request.params.transferId, request.body);
      if (result.created) await auditTransfer(deps, request.principal, result.transfer);
      return reply.code(result.created ? 201 : 200).send(result.transfer);
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

function auditTransfer(deps: AdminDeps, actor: AdminPrincipal, transfer: LedgerTransfer): Promise<void> {
  return auditBillingChange(deps, actor, { action: transfer.type, resource: 'transfer', resourceId: transfer.id, organizationId: transfer.organizationId, after: transfer });
}
