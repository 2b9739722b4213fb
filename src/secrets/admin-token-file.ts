import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminTokenFileName } from './secrets-dir.js';

/**
 * The file in the secrets directory (`secretsDirOf`) that keeps the admin token's SHA-256;
 * the token itself is never written. The folder must exist: `loadDataDirSecrets` makes it.
 */
export class AdminTokenFile {
  readonly path: string;

  constructor(secretsDir: string) {
    this.path = join(secretsDir, adminTokenFileName);
  }

  read(): string | undefined {
    return existsSync(this.path) ? readFileSync(this.path, 'utf8').trim() : undefined;
  }

  /**
   * Stores the hash of a token this start generated. `wx` refuses to replace a hash
   * that another server starting on the same directory stored meanwhile: its token is
   * the one printed, and this one would be a token nobody ever sees.
   */
  create(hash: string): void {
    try {
      writeFileSync(this.path, hash, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
      const message = `another server started at the same time stored its own admin token in ${this.path}`;
      throw new Error(message, { cause: error });
    }
    chmodSync(this.path, 0o600);
  }

  /**
   * Replaces the stored hash by a rename, so that a crash leaves the old hash or the new one, never a torn file.
   * The same hash is left alone: replicas given one token may share a secrets directory mounted read-only.
   */
  replace(hash: string): void {
    if (this.read() === hash) return;
    const partial = `${this.path}.tmp`;
    writeFileSync(partial, hash, { mode: 0o600 });
    chmodSync(partial, 0o600);
    renameSync(partial, this.path);
  }
}
