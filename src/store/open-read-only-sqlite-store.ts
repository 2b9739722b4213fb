import BetterSqlite3 from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from './database.js';
import type { Store } from './store.js';

/**
 * Opens an existing SQLite database for reading only, without migrating it: for tools
 * such as `commonweal audit verify` that inspect a data directory, possibly while its
 * server runs, and must never change what they inspect.
 */
export function openReadOnlySqliteStore(path: string): Store {
  const sqlite = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    plugins: [new CamelCasePlugin()],
  });
  return {
    dialect: 'sqlite',
    db,
    async ping() {
      await sql`select 1`.execute(db);
    },
    constraintViolation: () => undefined,
    durable: () => Promise.resolve(),
    async close() {
      await db.destroy();
    },
  };
}
