import { statSync } from 'node:fs';

/**
 * What to tell an operator whose data directory other users can enter or list, or
 * undefined when only its owner can. The server still starts: every file it writes
 * there is 0600 and `secrets/` is 0700, and the directory is often a mounted volume
 * whose mode the operator does not choose (a container runtime, a group-shared mount).
 */
export function dataDirAccessWarning(dataDir: string): string | undefined {
  if ((statSync(dataDir).mode & 0o077) === 0) return undefined;
  return `the data directory ${dataDir} is open to other users (its files are 0600); to close it: chmod 700 ${dataDir}`;
}
