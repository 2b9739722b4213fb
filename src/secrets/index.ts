export { AdminTokenFile } from './admin-token-file.js';
export { dataDirAccessWarning } from './data-dir-access-warning.js';
export { loadDataDirSecrets, type DataDirSecrets } from './data-dir-secrets.js';
export { newAdminToken } from './new-admin-token.js';
export { SecretBox } from './secret-box.js';
export { randomTokenBody, sha256Hex, tokenMatchesHash } from './token-hash.js';
export { readAuditPublicKey } from './read-audit-public-key.js';
export {
  adminTokenFileName,
  auditSigningKeyFileName,
  encryptionKeyFileName,
  secretsDirOf,
} from './secrets-dir.js';
