import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './admin-deps.js';
import { notFound, requireOperator } from './admin-principal.js';
import { responses } from './response-schemas.js';
import { DeploymentStatusSchema } from './catalog-schemas.js';

const DeploymentParams = Type.Object({ deploymentId: Type.String() });

/**
 * What a deployment's engine is doing right now. For an embedded deployment: whether its
 * model is unloaded, loading, ready or failed (and why), and its requests running and
 * waiting. A proxy to a model server has no engine state of its own: `engine` is null.
 */
export function deploymentStatusRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Params: Static<typeof DeploymentParams> }>(
    '/deployments/:deploymentId/status',
    {
      schema: {
        tags: ['deployments'],
        params: DeploymentParams,
        response: responses({ 200: DeploymentStatusSchema }, 404),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      const { deploymentId } = request.params;
      const deployment = await deps.deployments.find(deploymentId);
      if (!deployment) throw notFound('deployment', deploymentId);
      return {
        object: 'deployment.status',
        deploymentId,
        kind: deployment.kind,
        engine: deps.engineStatus(deploymentId) ?? null,
      };
    },
  );
}
