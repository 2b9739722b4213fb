import { Migrator, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { migrationProvider } from './migrations/index.js';
import type { StoreDialect } from './store.js';

/**
 * Brings the schema to the newest version; fails loudly rather than serve a half-migrated
 * database. On PostgreSQL, Kysely holds an advisory lock while it migrates, so replicas
 * that start together migrate one after the other and the later ones find nothing to do.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: StoreDialect): Promise<readonly string[]> {
  const { error, results } = await schemaMigrator(db, dialect).migrateToLatest();
  if (error !== undefined) throw new Error('database migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The migrator of the store's schema, with the tables that record which migrations ran. */
export function schemaMigrator<DB>(db: Kysely<DB>, dialect: StoreDialect): Migrator {
  return new Migrator({
    db,
    provider: migrationProvider(dialect),
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
}
