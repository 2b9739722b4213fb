export { applyPolicyChange } from './apply-policy-change.js';
export { isCountryCode } from './iso-3166-countries.js';
export {
  type JurisdictionGroup,
  jurisdictionGroupIdPattern,
  jurisdictionGroupMembersMax,
} from './jurisdiction-group.js';
export type { PolicyChange, PolicyChangeRecord } from './policy-change.js';
export { PolicyDecision } from './policy-decision.js';
export { PolicyEngine } from './policy-engine.js';
export { noCompliantDeploymentError, policyDeniedError } from './policy-errors.js';
export type { DeploymentFacts, ModelFacts, OrganizationFacts, SiteFacts } from './policy-facts.js';
export { type PolicyRule, policyRulesMax, type RuleEffect, type RuleMatch, ruleCriteria } from './policy-rule.js';
export { PolicyService } from './policy-service.js';
export { type PolicySimulation, simulatePolicyChange } from './policy-simulation.js';
export { PolicySnapshot } from './policy-snapshot.js';
export type { PolicyState, StoredPolicy } from './policy-state.js';
export { type ResidencyPolicy, residencyPolicyClauses, toResidencyPolicy } from './residency-policy.js';
