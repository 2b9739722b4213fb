import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditSigningKeyFileName } from './secrets-dir.js';

/**
 * The transparency log's public key, derived from the signing key in an existing secrets
 * directory without creating anything: for `commonweal audit verify`, which inspects a
 * data directory and must not change it. `loadDataDirSecrets` keeps the key at this path.
 */
export function readAuditPublicKey(secretsDir: string): KeyObject {
  return createPublicKey(createPrivateKey(readFileSync(join(secretsDir, auditSigningKeyFileName), 'utf8')));
}
