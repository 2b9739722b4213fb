import { CommonwealError } from '../errors/index.js';
import { sha256Hex } from '../secrets/index.js';
import { type ApiKey, isKeyActive } from '../tenancy/index.js';

/** The caller of an inference request, as the gateway needs it. */
export interface InferenceCaller {
  readonly keyId: string;
  readonly organizationId: string;
  readonly projectId: string;
}

const bearer = /^Bearer\s+(\S+)\s*$/i;

/**
 * Every API key in memory, by the SHA-256 of its secret, so that authenticating a
 * request reads no database. It is replaced as a whole when keys change.
 */
export class KeyTable {
  readonly #byHash: ReadonlyMap<string, ApiKey>;

  constructor(keys: readonly { readonly key: ApiKey; readonly secretHash: string }[]) {
    this.#byHash = new Map(keys.map(({ key, secretHash }) => [secretHash, key]));
  }

  authenticate(authorization: string | undefined, nowMs: number): InferenceCaller {
    const token = authorization === undefined ? undefined : bearer.exec(authorization)?.[1];
    if (token === undefined) {
      throw new CommonwealError('invalid_api_key', 'missing API key: send "Authorization: Bearer <key>"');
    }
    const key = this.#byHash.get(sha256Hex(token));
    if (key === undefined || !isKeyActive(key, nowMs)) {
      throw new CommonwealError('invalid_api_key', 'invalid, revoked or expired API key');
    }
    if (key.role !== 'project' || key.projectId === null) {
      throw new CommonwealError(
        'forbidden',
        'an organization admin key manages its organization; call the inference API with a project key',
      );
    }
    return { keyId: key.id, organizationId: key.organizationId, projectId: key.projectId };
  }
}
