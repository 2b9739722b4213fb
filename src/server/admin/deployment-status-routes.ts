import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Deployment } from '../../catalog/index.js';
import type { AdminDeps } from './admin-deps.js';
import { notFound, requireOperator } from './admin-principal.js';
import { allDeployments } from './all-deployments.js';
import { DeploymentStatusSchema } from './catalog-schemas.js';
import { Closed, ListOf, Nullable, responses, StringEnum } from './response-schemas.js';

const DeploymentParams = Type.Object({ deploymentId: Type.String() });

const DeploymentLiveSchema = Closed({
  ...DeploymentStatusSchema.properties,
  modelId: Type.String(),
  siteId: Type.String(),
  enabled: Type.Boolean(),
  routing: Nullable(
    Closed(
      {
        circuit: StringEnum(['closed', 'open', 'half_open'] as const, 'open: failing, kept out of routing for a while'),
        requestsInFlight: Type.Integer(),
        firstByteLatencyMs: Nullable(Type.Number({ description: 'smoothed time to first byte of recent requests' })),
      },
      'null when the deployment is not routed: disabled, or refused at load (the log says why)',
    ),
  ),
});

/** What routing and the engine of one deployment are doing now, beside its record. */
function liveState(deps: AdminDeps, deployment: Deployment) {
  const routed = deps.routed(deployment.id);
  return {
    object: 'deployment.status' as const,
    deploymentId: deployment.id,
    kind: deployment.kind,
    engine: routed?.engine.status?.() ?? null,
    modelId: deployment.modelId,
    siteId: deployment.siteId,
    enabled: deployment.enabled,
    routing:
      routed === undefined
        ? null
        : {
            circuit: routed.stats.breaker.state,
            requestsInFlight: routed.stats.outstanding,
            firstByteLatencyMs: routed.stats.latencyEwmaMs,
          },
  };
}

/**
 * What deployments are doing right now: for an embedded one, whether its model is
 * unloaded, loading, ready or failed (and why), and its requests running and waiting; for
 * every routed one, its circuit, requests in flight and smoothed latency. The list answers
 * all deployments at once, so that a console draws its table without a call per row.
 */
export function deploymentStatusRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get(
    '/deployments/status',
    {
      schema: {
        tags: ['deployments'],
        description: 'The live state of every deployment: routing (circuit, requests in flight, latency) and engine.',
        response: responses({ 200: ListOf(DeploymentLiveSchema) }),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      const deployments = await allDeployments(deps);
      return { object: 'list' as const, data: deployments.map((deployment) => liveState(deps, deployment)) };
    },
  );

  app.get<{ Params: Static<typeof DeploymentParams> }>(
    '/deployments/:deploymentId/status',
    {
      schema: {
        tags: ['deployments'],
        params: DeploymentParams,
        response: responses({ 200: DeploymentLiveSchema }, 404),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      const { deploymentId } = request.params;
      const deployment = await deps.deployments.find(deploymentId);
      if (!deployment) throw notFound('deployment', deploymentId);
      return liveState(deps, deployment);
    },
  );
}
