import type { OrganizationFacts } from './policy-facts.js';
import { homeResidencyPolicy, openResidencyPolicy, type ResidencyPolicy } from './residency-policy.js';

/**
 * The residency policy a new organization starts with, set in the server config:
 * `open` (anywhere) or `home` (only its home jurisdiction).
 */
export type DefaultResidency = 'open' | 'home';

export function defaultPolicyFor(defaultResidency: DefaultResidency, organization: OrganizationFacts): ResidencyPolicy {
  return defaultResidency === 'home' ? homeResidencyPolicy(organization.homeJurisdiction) : openResidencyPolicy;
}
