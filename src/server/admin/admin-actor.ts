import type { AdminPrincipal } from './admin-principal.js';

/** Who made a change, as change logs record it: `operator`, or the org admin's key id (never its secret). */
export function actorOf(principal: AdminPrincipal): string {
  return principal.kind === 'operator' ? 'operator' : `org_admin:${principal.keyId}`;
}
