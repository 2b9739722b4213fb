import { generateKeyPairSync, randomBytes, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdminTokenFile } from './admin-token-file.js';
import { newAdminToken } from './new-admin-token.js';
import { auditSigningKeyFileName, encryptionKeyFileName, secretsDirOf } from './secrets-dir.js';
import { SecretBox } from './secret-box.js';
import { sha256Hex } from './token-hash.js';

/** The secrets a server keeps in its data directory, loaded once at start. */
export interface DataDirSecrets {
  readonly adminTokenHash: string;
  /**
   * Set only on a start that generated the token, so that it can be printed once. Its
   * hash is not stored yet: the server stores it with `AdminTokenFile.create` once it
   * listens, just before printing it, so that a start that fails loses no token.
   */
  readonly generatedAdminToken: string | undefined;
  readonly auditSigningKey: KeyObject;
  readonly auditPublicKey: KeyObject;
  readonly secretBox: SecretBox;
}

function writeSecretFile(path: string, content: string): void {
  // `wx` refuses to overwrite, so two servers starting at once cannot swap keys under each other.
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

function loadOrCreate(path: string, create: () => string): string {
  if (!existsSync(path)) writeSecretFile(path, create());
  return readFileSync(path, 'utf8');
}

interface ResolvedAdminToken {
  readonly hash: string;
  readonly generated: string | undefined;
}

function resolveAdminToken(secretsDir: string, fromConfig: string | undefined): ResolvedAdminToken {
  const file = new AdminTokenFile(secretsDir);
  if (fromConfig !== undefined) {
    const hash = sha256Hex(fromConfig);
    file.replace(hash);
    return { hash, generated: undefined };
  }
  const stored = file.read();
  if (stored !== undefined) return { hash: stored, generated: undefined };
  const token = newAdminToken();
  return { hash: sha256Hex(token), generated: token };
}

export interface SecretsLocation {
  readonly dataDir: string;
  /** A directory the operator provides, such as a mounted Kubernetes Secret; absent means `<dataDir>/secrets`. */
  readonly secretsDir?: string | undefined;
}

/**
 * Creates the secrets on first start and reads them on every later one: the admin token's
 * hash (stored later on a first start, see `generatedAdminToken`), the Ed25519 key that
 * signs the transparency log, and the key that encrypts upstream credentials. Files this
 * creates are mode 0600. A directory the operator provides is used as it is: it may be a
 * read-only mount whose mode belongs to the orchestrator, and is only written to when a
 * file is missing.
 */
export function loadDataDirSecrets(
  location: SecretsLocation,
  adminTokenFromConfig: string | undefined,
): DataDirSecrets {
  const dir = secretsDirOf(location);
  if (location.secretsDir === undefined) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } else if (!existsSync(dir)) {
    throw new Error(`the secrets directory ${dir} does not exist (secretsDir, COMMONWEAL_SECRETS_DIR)`);
  }
  const admin = resolveAdminToken(dir, adminTokenFromConfig);
  const signingPem = loadOrCreate(join(dir, auditSigningKeyFileName), () =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const encryptionKey = loadOrCreate(join(dir, encryptionKeyFileName), () => randomBytes(32).toString('base64'));
  const auditSigningKey = createPrivateKey(signingPem);
  return Object.freeze({
    adminTokenHash: admin.hash,
    generatedAdminToken: admin.generated,
    auditSigningKey,
    auditPublicKey: createPublicKey(auditSigningKey),
    secretBox: new SecretBox(Buffer.from(encryptionKey.trim(), 'base64')),
  });
}
