import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';

/**
 * Creates an SQLite database file mode 0600 before SQLite opens it, whatever the
 * process's umask, and narrows an existing one (and its WAL and shared-memory files)
 * to 0600. SQLite gives the `-wal` and `-shm` files it creates the database file's
 * mode, so the three stay private. Changing the umask instead would change it for
 * every file the process creates, from any module.
 */
export function createPrivateSqliteFile(path: string): void {
  // `a` creates the file when missing and leaves an existing database's bytes alone.
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}
