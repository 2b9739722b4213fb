import { openPostgresStore, type OpenPostgresStoreOptions } from './postgres-store.js';
import { openSqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

const postgresUrl = /^postgres(ql)?:\/\//;

/**
 * Opens the store the configuration names: PostgreSQL when `databaseUrl` is a
 * `postgres://` URL, for replicas that share one database, and otherwise the embedded
 * SQLite file at `sqlitePath`.
 */
export async function openStore(
  databaseUrl: string | undefined,
  sqlitePath: string,
  postgres: OpenPostgresStoreOptions = {},
): Promise<Store> {
  if (databaseUrl === undefined) return openSqliteStore(sqlitePath);
  if (!postgresUrl.test(databaseUrl)) throw new RangeError('database url must start with postgres:// or postgresql://');
  return openPostgresStore(databaseUrl, postgres);
}
