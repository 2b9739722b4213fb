import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect, sql } from 'kysely';
import { withCachedStatements } from './cached-statements.js';
import { createPrivateSqliteFile } from './create-private-sqlite-file.js';
import type { Database } from './database.js';
import { migrateToLatest } from './migrate.js';
import type { ConstraintViolation, Store } from './store.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { WalSync } from './wal-sync.js';

/** The embedded default: one SQLite file in WAL mode, migrated on open. */
export async function openSqliteStore(path: string): Promise<Store> {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    createPrivateSqliteFile(path);
  }
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL writes each commit to the WAL without syncing it, which survives a killed
  // process; `durable()` then syncs the WAL off the event loop, so that what the group
  // commit writer acknowledges survives power loss too, as with FULL, without stalling
  // every request for the length of an fsync.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const fileBacked = path !== ':memory:';
  if (fileBacked) sqlite.pragma('wal_autocheckpoint = 0');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withCachedStatements(sqlite) }),
    plugins: [new CamelCasePlugin()],
  });
  try {
    await migrateToLatest(db, 'sqlite');
  } catch (error) {
    // Nobody else holds the connection yet: a store that failed to open must not keep its file open.
    await db.destroy();
    throw error;
  }
  const walSync = fileBacked ? new WalSync(`${path}-wal`) : undefined;
  const checkpointer = fileBacked
    ? new WalCheckpointer(path, (error) => process.emitWarning(`SQLite WAL checkpointer stopped: ${error.message}`))
    : undefined;
  return {
    dialect: 'sqlite',
    db,
    async ping() {
      await sql`select 1`.execute(db);
    },
    constraintViolation(error: unknown): ConstraintViolation | undefined {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return 'unique';
      if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign_key';
      return undefined;
    },
    durable: () => walSync?.sync() ?? Promise.resolve(),
    async close() {
      await checkpointer?.stop();
      await walSync?.close();
      await db.destroy();
    },
  };
}
