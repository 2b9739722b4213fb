import type { Selectable } from 'kysely';
import type { ApiKeysTable } from '../store/index.js';

/**
 * `project` keys call the inference API of one project; `org_admin` keys manage
 * their own organization through the admin API.
 */
export type ApiKeyRole = 'project' | 'org_admin';

export interface ApiKey {
  readonly object: 'api_key';
  readonly id: string;
  readonly organizationId: string;
  readonly projectId: string | null;
  readonly role: ApiKeyRole;
  readonly name: string | null;
  /** The visible start of the secret, e.g. `cw_live_ab12`, to recognise a key in lists. */
  readonly prefix: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly createdAt: string;
}

export function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  const { secretHash: _never, ...visible } = row;
  return { object: 'api_key', ...visible, role: visible.role as ApiKeyRole };
}

/** A key is usable when it is neither revoked nor past its expiry. */
export function isKeyActive(key: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, nowMs: number): boolean {
  return key.revokedAt === null && (key.expiresAt === null || Date.parse(key.expiresAt) > nowMs);
}
