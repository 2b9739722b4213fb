import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The transparency log's public key, derived from the signing key in an existing data
 * directory without creating anything: for `commonweal audit verify`, which inspects a
 * data directory and must not change it. `loadDataDirSecrets` keeps the key at this path.
 */
export function readAuditPublicKey(dataDir: string): KeyObject {
  return createPublicKey(createPrivateKey(readFileSync(join(dataDir, 'secrets', 'audit-signing-key.pem'), 'utf8')));
}
