import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CommonwealError } from '../../errors/index.js';
import { type PolicyChange, toResidencyPolicy } from '../../policy/index.js';
import type { AdminDeps } from './admin-deps.js';
import { notFound, organizationNotFound, requireOperator } from './admin-principal.js';
import { allDeployments } from './all-deployments.js';
import { enterOrganization } from './organization-scope.js';
import { PolicyChangeBody } from './policy-schemas.js';
import { Closed, responses } from './response-schemas.js';
import { SimulationTrafficSchema, simulationTraffic } from './simulation-traffic.js';
import { PolicyExplanationSchema, PolicySimulationSchema } from './policy-view-schemas.js';

const ExplainBody = Type.Object(
  {
    organizationId: Type.String({ minLength: 1, maxLength: 64 }),
    projectId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "adds the project's own policy, if it has one" }),
    ),
    modelId: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);

type ChangeBody = Static<typeof PolicyChangeBody>;

/** The body's change in the domain's terms, policies completed with their open defaults. */
function toChange(body: ChangeBody): PolicyChange {
  if (body.kind === 'organization_policy') return { ...body, policy: toResidencyPolicy(body.policy) };
  if (body.kind === 'project_policy')
    return { ...body, policy: body.policy === null ? null : toResidencyPolicy(body.policy) };
  if (body.kind === 'rule')
    return { kind: 'rule', rule: { ...body.rule, reference: body.rule.reference ?? null }, position: body.position };
  return body;
}

function projectNotFound(projectId: string): CommonwealError {
  return new CommonwealError('not_found', `project "${projectId}" not found`, { param: 'projectId' });
}

/** The organization and project a change names must exist, as they must for saving it. */
async function checkTargets(deps: AdminDeps, change: PolicyChange): Promise<void> {
  if (change.kind !== 'organization_policy' && change.kind !== 'project_policy') return;
  if (!(await deps.organizations.find(change.organizationId)))
    throw organizationNotFound(change.organizationId, 'organizationId');
  if (change.kind === 'project_policy' && !(await deps.projects.find(change.organizationId, change.projectId)))
    throw projectNotFound(change.projectId);
}

/**
 * Explain: why each deployment of a model may or may not serve an organization (an org
 * admin may ask only about its own). Simulate: what a proposed change would do to who is
 * served what; the operator's, like the changes it previews.
 */
export function policyExplainRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.post<{ Body: Static<typeof ExplainBody> }>(
    '/policy/explain',
    {
      schema: { tags: ['policy'], body: ExplainBody, response: responses({ 200: PolicyExplanationSchema }, 404, 413) },
    },
    async (request) => {
      const { organizationId, projectId, modelId } = request.body;
      await enterOrganization(deps, request.principal, organizationId, 'organizationId');
      if (projectId !== undefined && !(await deps.projects.find(organizationId, projectId)))
        throw projectNotFound(projectId);
      if (!(await deps.models.find(modelId))) throw notFound('model', modelId);
      return deps.policy.explain(organizationId, projectId ?? null, modelId);
    },
  );

  app.post<{ Body: ChangeBody }>(
    '/policy/simulate',
    {
      schema: {
        tags: ['policy'],
        body: PolicyChangeBody,
        description:
          'What a change would do before it is saved: subjects × models that would be refused, moved or newly ' +
          'served, and the same weighed against the last days of traffic.',
        response: responses(
          { 200: Closed({ ...PolicySimulationSchema.properties, traffic: SimulationTrafficSchema }) },
          404,
          413,
        ),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      const change = toChange(request.body);
      await checkTargets(deps, change);
      const simulation = await deps.policy.simulate(change);
      const traffic = await simulationTraffic(simulation, deps.rollups, await allDeployments(deps), Date.now());
      return { ...simulation, traffic };
    },
  );
}
