import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { buildStatement, issuanceAccountId, organizationAccountId, statementCsv } from '../../ledger/index.js';
import type { AdminDeps } from './admin-deps.js';
import { requireOperator } from './admin-principal.js';
import { billingChange } from './billing-admin.js';
import { Memo, PositiveAmountMicro, StatementQuery, TransferId } from './billing-schemas.js';
import { enterOrganization } from './organization-scope.js';
import { described, jsonOrCsv, responses } from './response-schemas.js';
import { BalanceSchema, StatementSchema } from './credit-schemas.js';
import { DepositSchema } from './ledger-schemas.js';

const OrgParams = Type.Object({ orgId: Type.String() });
const CreditsBody = Type.Object(
  { amountMicro: PositiveAmountMicro, id: Type.Optional(TransferId), memo: Type.Optional(Memo) },
  { additionalProperties: false },
);

/** An organization's credits: balance, deposits (operator) and statement. */
export function creditRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { ledger } = deps.billing;
  const tags = ['credits'];

  app.get<{ Params: Static<typeof OrgParams> }>(
    '/orgs/:orgId/balance',
    { schema: { tags, params: OrgParams, response: responses({ 200: BalanceSchema }, 404) } },
    async (request) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      const accounts = ledger.accountsOf(request.params.orgId);
      return {
        object: 'balance',
        organizationId: request.params.orgId,
        balanceMicro: accounts.reduce((sum, a) => sum + a.balanceMicro, 0),
        availableMicro: accounts
          .filter((a) => a.closedAt === null && (a.expiresAt === null || Date.parse(a.expiresAt) > ledger.nowMs()))
          .reduce((sum, a) => sum + a.availableMicro, 0),
        accounts,
      };
    },
  );

  // Issuing credits creates money, so only the operator may; the organization's account is opened on first use.
  app.post<{ Params: Static<typeof OrgParams>; Body: Static<typeof CreditsBody> }>(
    '/orgs/:orgId/credits',
    {
      schema: {
        tags,
        params: OrgParams,
        body: CreditsBody,
        response: responses(
          { 200: described(DepositSchema, 'the same deposit, retried'), 201: described(DepositSchema, 'deposited') },
          404,
          409,
          413,
        ),
      },
    },
    async (request, reply) => {
      const { orgId } = request.params;
      await enterOrganization(deps, request.principal, orgId);
      requireOperator(request.principal);
      const accountId = organizationAccountId(orgId);
      // Made once, outside the job, so that a retried transaction writes the same transfer.
      const id = request.body.id ?? `deposit:${orgId}:${request.id}:${ledger.nowMs()}`;
      const result = await deps.audit.commit(async (tx) => {
        await ledger.openAccountIn(tx, { id: accountId, kind: 'organization', organizationId: orgId });
        const deposit = await ledger.transferIn(tx, {
          id,
          debitAccountId: issuanceAccountId,
          creditAccountId: accountId,
          amountMicro: request.body.amountMicro,
          code: 'deposit',
          organizationId: orgId,
          memo: request.body.memo ?? null,
        });
        const { created, transfer } = deposit;
        const change = billingChange(request.principal, {
          action: 'create',
          resource: 'deposit',
          resourceId: transfer.id,
          organizationId: orgId,
          after: transfer,
        });
        return { result: deposit, change: created ? change : null };
      });
      // `created` says in the body what the status says, for clients that read only the body: a retry added nothing.
      const answer = { ...result.transfer, created: result.created, account: ledger.account(accountId) };
      return reply.code(result.created ? 201 : 200).send(answer);
    },
  );

  app.get<{ Params: Static<typeof OrgParams>; Querystring: Static<typeof StatementQuery> }>(
    '/orgs/:orgId/statement',
    {
      schema: {
        tags,
        params: OrgParams,
        querystring: StatementQuery,
        response: responses({ 200: jsonOrCsv(StatementSchema) }, 404),
      },
    },
    async (request, reply) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      const statement = await buildStatement(ledger, request.params.orgId, request.query);
      if (request.query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(statementCsv(statement));
      return statement;
    },
  );
}
