import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, organizationNotFound, requireOrganizationAccess } from './admin-principal.js';

/** Resolves a route's organization for the caller: another tenant's and a missing one answer the same 404. */
export async function enterOrganization(deps: AdminDeps, principal: AdminPrincipal, organizationId: string): Promise<void> {
  requireOrganizationAccess(principal, organizationId);
  if (!(await deps.organizations.find(organizationId))) throw organizationNotFound(organizationId);
}
