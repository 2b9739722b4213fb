import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './admin-deps.js';
import { notFound } from './admin-principal.js';
import { responses } from './response-schemas.js';

const ReceiptParams = Type.Object({ receiptId: Type.String({ minLength: 1, maxLength: 128 }) });

const ReceiptBundle = Type.Object(
  {
    object: Type.Literal('receipt_bundle'),
    version: Type.Integer(),
    receipt: Type.Object(
      {},
      { additionalProperties: true, description: 'the receipt leaf (docs/transparency-log.md §1.1)' },
    ),
    leafIndex: Type.Integer(),
    treeSize: Type.Integer(),
    inclusionProof: Type.Array(Type.String()),
    checkpoint: Type.String({ description: 'the signed checkpoint (C2SP signed note) the proof leads to' }),
  },
  { additionalProperties: false },
);

/**
 * A request's receipt bundle for the console: the operator reads any, an organization admin
 * those of its own organization (another's answers as a missing one). The log's own
 * `GET /v1/receipts/{id}` serves the same bundle to API keys.
 */
export function receiptRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Params: Static<typeof ReceiptParams> }>(
    '/receipts/:receiptId',
    {
      schema: {
        tags: ['usage'],
        description: "A request's receipt with its inclusion proof and a signed checkpoint, to verify offline.",
        params: ReceiptParams,
        response: responses({ 200: ReceiptBundle }, 404),
      },
    },
    async (request) => {
      const principal = request.principal;
      const found = await deps.receipts.find(request.params.receiptId);
      if (found === undefined || (principal.kind === 'org_admin' && principal.organizationId !== found.organizationId))
        throw notFound('receipt', request.params.receiptId);
      return found.bundle;
    },
  );
}
