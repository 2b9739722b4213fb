import type { FastifyInstance } from 'fastify';
import { CommonwealError } from '../../errors/index.js';
import { writeDemoModel } from '../../model-files/index.js';
import type { AdminDeps } from './admin-deps.js';
import { requireOperator } from './admin-principal.js';
import { responses } from './response-schemas.js';
import { DemoModelSchema } from './catalog-schemas.js';

export const embeddedInstallHint =
  'the embedded engine is not installed on this server (the optional npm package node-llama-cpp is missing): ' +
  'install it where the server runs (npm install node-llama-cpp, or npm install --include=optional in a checkout) ' +
  'and restart the server';

/**
 * Writes the tiny demo model into the server's models directory and answers its path and
 * metadata, for `init --demo` to register and deploy. It is only of use on the embedded
 * engine, so a server without node-llama-cpp refuses it with how to install it.
 */
export function demoModelRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.post(
    '/demo-model',
    { schema: { tags: ['models'], response: responses({ 201: DemoModelSchema }) } },
    async (request, reply) => {
      requireOperator(request.principal);
      if (!deps.embeddedInstalled) throw new CommonwealError('engine_unavailable', embeddedInstallHint);
      const demo = await writeDemoModel(deps.modelsDir);
      return reply.code(201).send({ object: 'demo_model', ...demo });
    },
  );
}
