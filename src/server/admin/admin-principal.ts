import type { FastifyRequest } from 'fastify';
import { CommonwealError } from '../../errors/index.js';
import { sha256Hex, tokenMatchesHash } from '../../secrets/index.js';
import { type ApiKeyRepository, isKeyActive, type Principal } from '../../tenancy/index.js';

export type AdminPrincipal = Exclude<Principal, { kind: 'project' }>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: AdminPrincipal;
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Establishes who calls the management API: the operator (admin token) or an
 * organization admin key. A project key is recognised and refused with 403: it is
 * valid, but only for the inference API.
 */
export async function authenticateAdmin(
  request: FastifyRequest,
  adminTokenHash: string,
  keys: ApiKeyRepository,
): Promise<AdminPrincipal> {
  const token = bearerToken(request);
  if (token === undefined) {
    throw new CommonwealError(
      'invalid_admin_token',
      'missing bearer token: send "Authorization: Bearer <admin token or organization admin key>"',
    );
  }
  if (tokenMatchesHash(token, adminTokenHash)) return { kind: 'operator' };
  const key = await keys.findBySecretHash(sha256Hex(token));
  if (key === undefined || !isKeyActive(key, Date.now())) {
    throw new CommonwealError('invalid_admin_token', 'invalid, revoked or expired token');
  }
  if (key.role !== 'org_admin') {
    throw new CommonwealError(
      'forbidden',
      'a project key may only call the inference API (/v1); use an organization admin key',
    );
  }
  return { kind: 'org_admin', organizationId: key.organizationId, keyId: key.id };
}

export function requireOperator(principal: AdminPrincipal): void {
  if (principal.kind !== 'operator')
    throw new CommonwealError('forbidden', 'only the operator (admin token) may do this');
}

/**
 * An organization admin sees nothing of other organizations, not even whether they
 * exist: any other organization answers exactly as an absent one does.
 */
export function requireOrganizationAccess(principal: AdminPrincipal, organizationId: string, param = 'orgId'): void {
  if (principal.kind === 'org_admin' && principal.organizationId !== organizationId)
    throw organizationNotFound(organizationId, param);
}

/** `param` names where the caller gave the organization: the path's `orgId` unless a query parameter carried it. */
export function organizationNotFound(organizationId: string, param = 'orgId'): CommonwealError {
  return new CommonwealError('not_found', `organization "${organizationId}" not found`, { param });
}

export function notFound(what: string, id: string): CommonwealError {
  return new CommonwealError('not_found', `${what} "${id}" not found`);
}
