import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { buildProgramReport, programReportCsv } from '../../ledger/index.js';
import { newRecordId } from '../../store/index.js';
import type { AdminDeps } from './admin-deps.js';
import { requireOperator } from './admin-principal.js';
import { billingChange } from './billing-admin.js';
import { AmountMicro, FormatQuery, LongText, PositiveAmountMicro, TransferId } from './billing-schemas.js';
import { Name, RecordId, Timestamp } from './common-schemas.js';
import { described, jsonOrCsv, ListOf, responses } from './response-schemas.js';
import { ApplicationSchema, ProgramReportSchema, ProgramSchema } from './fund-schemas.js';
import { LedgerTransferSchema } from './ledger-schemas.js';

const ProgramParams = Type.Object({ programId: Type.String() });
const ApplicationParams = Type.Object({ programId: Type.String(), applicationId: Type.String() });
const ProgramBody = Type.Object(
  {
    id: Type.Optional(RecordId),
    name: Name,
    defaultGrantMicro: AmountMicro,
    grantDurationDays: Type.Integer({ minimum: 1, maximum: 3660 }),
    eligibleModels: Type.Optional(
      Type.Union([Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 1000 }), Type.Null()]),
    ),
    opensAt: Type.Optional(Timestamp),
    closesAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  },
  { additionalProperties: false },
);
const FundBody = Type.Object(
  { amountMicro: PositiveAmountMicro, id: Type.Optional(TransferId) },
  { additionalProperties: false },
);
const ApproveBody = Type.Object(
  { amountMicro: Type.Optional(AmountMicro), expiresAt: Type.Optional(Timestamp) },
  { additionalProperties: false },
);
const RejectBody = Type.Object({ reason: LongText }, { additionalProperties: false });

/** The startup fund: programs and their pools, decisions on applications, reports (operator); the list of programs (everyone). */
export function fundRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { fund, ledger } = deps.billing;
  const tags = ['fund'];

  // Organizations read the programs they may apply to.
  app.get('/programs', { schema: { tags, response: responses({ 200: ListOf(ProgramSchema) }) } }, async () => ({
    object: 'list',
    data: await fund.listPrograms(),
  }));

  app.post<{ Body: Static<typeof ProgramBody> }>(
    '/programs',
    { schema: { tags, body: ProgramBody, response: responses({ 201: ProgramSchema }, 409, 413) } },
    async (request, reply) => {
      requireOperator(request.principal);
      const program = await deps.audit.commit(async (tx) => {
        const created = await fund.createProgram(tx, request.body);
        const change = billingChange(request.principal, {
          action: 'create',
          resource: 'program',
          resourceId: created.id,
          organizationId: null,
          after: created,
        });
        return { result: created, change };
      });
      return reply.code(201).send(program);
    },
  );

  app.post<{ Params: Static<typeof ProgramParams>; Body: Static<typeof FundBody> }>(
    '/programs/:programId/fund',
    {
      schema: {
        tags,
        params: ProgramParams,
        body: FundBody,
        response: responses(
          {
            200: described(LedgerTransferSchema, 'the same funding, retried'),
            201: described(LedgerTransferSchema, 'funded'),
          },
          404,
          409,
          413,
        ),
      },
    },
    async (request, reply) => {
      requireOperator(request.principal);
      const { programId } = request.params;
      // Made once, outside the job, so that a retried transaction writes the same transfer.
      const id = request.body.id ?? newRecordId('fund');
      const { created, transfer } = await deps.audit.commit(async (tx) => {
        const result = await fund.fundProgram(tx, programId, request.body.amountMicro, id);
        const change = billingChange(request.principal, {
          action: 'fund',
          resource: 'program',
          resourceId: programId,
          organizationId: null,
          after: result.transfer,
        });
        return { result, change: result.created ? change : null };
      });
      return reply.code(created ? 201 : 200).send(transfer);
    },
  );

  app.get<{ Params: Static<typeof ProgramParams> }>(
    '/programs/:programId/applications',
    { schema: { tags, params: ProgramParams, response: responses({ 200: ListOf(ApplicationSchema) }, 404) } },
    async (request) => {
      requireOperator(request.principal);
      await fund.program(request.params.programId);
      return { object: 'list', data: await fund.listApplications({ programId: request.params.programId }) };
    },
  );

  app.post<{ Params: Static<typeof ApplicationParams>; Body: Static<typeof ApproveBody> }>(
    '/programs/:programId/applications/:applicationId/approve',
    {
      schema: {
        tags,
        params: ApplicationParams,
        body: ApproveBody,
        response: responses({ 200: ApplicationSchema }, 404, 409, 413),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      const { programId, applicationId } = request.params;
      return deps.audit.commit(async (tx) => {
        const { application, decided } = await fund.approve(tx, programId, applicationId, request.body);
        const change = billingChange(request.principal, {
          action: 'grant',
          resource: 'application',
          resourceId: application.id,
          organizationId: application.organizationId,
          after: application,
        });
        return { result: application, change: decided ? change : null };
      });
    },
  );

  app.post<{ Params: Static<typeof ApplicationParams>; Body: Static<typeof RejectBody> }>(
    '/programs/:programId/applications/:applicationId/reject',
    {
      schema: {
        tags,
        params: ApplicationParams,
        body: RejectBody,
        response: responses({ 200: ApplicationSchema }, 404, 409, 413),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      const { programId, applicationId } = request.params;
      return deps.audit.commit(async (tx) => {
        const { application, decided } = await fund.reject(tx, programId, applicationId, request.body.reason);
        const change = billingChange(request.principal, {
          action: 'reject',
          resource: 'application',
          resourceId: application.id,
          organizationId: application.organizationId,
          after: application,
        });
        return { result: application, change: decided ? change : null };
      });
    },
  );

  app.get<{ Params: Static<typeof ProgramParams>; Querystring: Static<typeof FormatQuery> }>(
    '/programs/:programId/report',
    {
      schema: {
        tags,
        params: ProgramParams,
        querystring: FormatQuery,
        response: responses({ 200: jsonOrCsv(ProgramReportSchema) }, 404),
      },
    },
    async (request, reply) => {
      requireOperator(request.principal);
      const report = await buildProgramReport(ledger, fund, request.params.programId);
      if (request.query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(programReportCsv(report));
      return report;
    },
  );
}
