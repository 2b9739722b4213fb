import { randomTokenBody, sha256Hex } from '../secrets/index.js';

export const apiKeySecretPrefix = 'cw_live_';
const visiblePrefixLength = apiKeySecretPrefix.length + 4;

export interface NewApiKeySecret {
  readonly secret: string;
  readonly prefix: string;
  readonly hash: string;
}

/** A new key secret: 43 random base62 characters (about 256 bits) behind `cw_live_`. */
export function newApiKeySecret(): NewApiKeySecret {
  const secret = apiKeySecretPrefix + randomTokenBody(43);
  return { secret, prefix: secret.slice(0, visiblePrefixLength), hash: sha256Hex(secret) };
}
