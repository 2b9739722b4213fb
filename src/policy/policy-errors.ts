import { CommonwealError } from '../errors/index.js';
import type { PolicyDecision } from './policy-decision.js';

/** Deployments a 403 describes one by one; the rest are counted, so the message stays bounded. */
export const deniedDeploymentsShownMax = 10;

/**
 * The 403 for a request that nothing may serve: for each deployment of the model, the
 * clauses of the caller's own policy and the platform rules that exclude it. Nothing
 * about other tenants is in it: only the caller's policy, the rules and the catalog.
 */
export function policyDeniedError(decision: PolicyDecision): CommonwealError {
  const whom = decision.projectId === null ? "this organization's policy" : "this project's policy";
  const parts: string[] = [];
  if (decision.modelExclusions.length > 0) {
    parts.push(`the model itself is excluded: ${decision.modelExclusions.map((e) => e.message).join('; ')}`);
  } else {
    for (const verdict of decision.verdicts.slice(0, deniedDeploymentsShownMax)) {
      const place = `deployment "${verdict.deploymentId}" at site "${verdict.siteId}" (${verdict.jurisdiction ?? 'unknown'})`;
      parts.push(`${place}: ${verdict.exclusions.map((e) => e.message).join('; ')}`);
    }
    const more = decision.verdicts.length - deniedDeploymentsShownMax;
    if (more > 0) parts.push(`and ${more} more deployments (see POST /admin/v1/policy/explain)`);
  }
  return new CommonwealError(
    'policy_denied',
    `model "${decision.modelId}" may not be served under ${whom} (policy version ${decision.version}): ${parts.join(' | ')}`,
    {
      param: 'model',
    },
  );
}

/** The 503 when the policy allows some deployments and none of them can serve right now. */
export function noCompliantDeploymentError(decision: PolicyDecision): CommonwealError {
  const excluded = decision.verdicts.length - decision.allowedCount;
  return new CommonwealError(
    'no_compliant_deployment',
    `model "${decision.modelId}": none of the ${decision.allowedCount} deployments the policy allows can serve right now ` +
      `(disabled, failing or already tried), and the request is never sent to the ${excluded} the policy excludes`,
  );
}
