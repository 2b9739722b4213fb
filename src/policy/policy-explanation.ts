import type { DeploymentVerdict, PolicyDecision } from './policy-decision.js';
import type { PolicyExclusion } from './policy-exclusion.js';
import type { PolicySnapshot } from './policy-snapshot.js';

/** The answer of explain: every deployment of the model, allowed or the exact clauses and rule that exclude it. */
export interface PolicyExplanation {
  readonly object: 'policy_explanation';
  readonly policyVersion: number;
  readonly organizationId: string;
  /** The project asked about, or null for the organization's policy alone. */
  readonly projectId: string | null;
  readonly modelId: string;
  readonly organizationJurisdiction: string | null;
  /** Whether the organization's policy is its own or the server default, and whether the project has one. */
  readonly policies: { readonly organization: 'stored' | 'server_default'; readonly project: 'stored' | 'none' | null };
  /** False when a request would be refused with 403 policy_denied. */
  readonly served: boolean;
  readonly allowedDeployments: number;
  readonly modelExclusions: readonly PolicyExclusion[];
  readonly deployments: readonly DeploymentVerdict[];
}

export function toPolicyExplanation(
  snapshot: PolicySnapshot,
  decision: PolicyDecision,
  projectId: string | null,
): PolicyExplanation {
  const { organizationId } = decision;
  return {
    object: 'policy_explanation',
    policyVersion: decision.version,
    organizationId,
    projectId,
    modelId: decision.modelId,
    organizationJurisdiction: snapshot.organizations.get(organizationId)?.homeJurisdiction ?? null,
    policies: {
      organization: snapshot.state.organizationPolicies.has(organizationId) ? 'stored' : 'server_default',
      project: projectId === null ? null : snapshot.hasProjectPolicy(organizationId, projectId) ? 'stored' : 'none',
    },
    served: !decision.denied,
    allowedDeployments: decision.allowedCount,
    modelExclusions: decision.modelExclusions,
    deployments: decision.verdicts,
  };
}
