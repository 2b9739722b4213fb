import type { Organization } from '../../tenancy/index.js';
import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, organizationNotFound, requireOrganizationAccess } from './admin-principal.js';

/**
 * Resolves a route's organization for the caller: another tenant's and a missing one answer the same 404.
 * `param` names where the caller gave it, as in `organizationNotFound`.
 */
export async function enterOrganization(
  deps: AdminDeps,
  principal: AdminPrincipal,
  organizationId: string,
  param = 'orgId',
): Promise<Organization> {
  requireOrganizationAccess(principal, organizationId, param);
  const organization = await deps.organizations.find(organizationId);
  if (organization === undefined) throw organizationNotFound(organizationId, param);
  return organization;
}
