import { join } from 'node:path';

/** The files of a secrets directory; replicas that share one database must be given the same three. */
export const adminTokenFileName = 'admin-token.sha256';
export const auditSigningKeyFileName = 'audit-signing-key.pem';
export const encryptionKeyFileName = 'encryption.key';

/** Where a server keeps its secrets: the configured directory, or `secrets/` in its data directory. */
export function secretsDirOf(config: { readonly dataDir: string; readonly secretsDir?: string | undefined }): string {
  return config.secretsDir ?? join(config.dataDir, 'secrets');
}
