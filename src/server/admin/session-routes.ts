import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { responses } from './response-schemas.js';

const Session = Type.Union([
  Type.Object({ kind: Type.Literal('operator') }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('org_admin'), organizationId: Type.String(), keyId: Type.String() },
    { additionalProperties: false },
  ),
]);

/**
 * Who the caller is, so that a client such as the console can show what its role may do.
 * It grants nothing: every other route checks the caller again.
 */
export function sessionRoutes(app: FastifyInstance): void {
  app.get(
    '/session',
    {
      schema: {
        tags: ['session'],
        description: 'The caller: the operator, or the organization admin key and its organization.',
        response: responses({ 200: Session }),
      },
    },
    async (request) => request.principal,
  );
}
