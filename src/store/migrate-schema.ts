import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { migrateToLatest } from './migrate.js';
import { schemaStatus } from './schema-status.js';
import { openSqliteStore } from './sqlite-store.js';

/**
 * Brings the database to this build's schema and returns the migrations this call ran.
 * On PostgreSQL the migrator holds an advisory lock (`pg_advisory_lock`) while it runs,
 * so replicas or jobs that start together migrate once: the others wait, then find
 * nothing left to do and return an empty list.
 */
export async function migrateSchema(databaseUrl: string | undefined, sqlitePath: string): Promise<readonly string[]> {
  if (databaseUrl === undefined) {
    // One process owns a SQLite file, so what was pending before it opened is what it ran.
    const { pending } = await schemaStatus(undefined, sqlitePath);
    const store = await openSqliteStore(sqlitePath);
    await store.close();
    return pending;
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, application_name: 'commonweal migrate' });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  try {
    return await migrateToLatest(db, 'postgres');
  } finally {
    await db.destroy();
  }
}
