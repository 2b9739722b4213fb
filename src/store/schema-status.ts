import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import type { StoreDialect } from './store.js';

/** Which of the migrations this build carries a database has run, and which it has not. */
export interface SchemaStatus {
  readonly applied: readonly string[];
  readonly pending: readonly string[];
  /** Run on this database but unknown to this build: a newer version migrated it, and this one must not serve it. */
  readonly unknown: readonly string[];
}

/** The table in which the migrator records what it ran (see `schemaMigrator`). */
const migrationTable = 'schema_migrations';

/**
 * Reads the schema's state without changing anything: no table is created, and a SQLite
 * file that does not exist is not created either (every migration is then pending).
 * The migrator itself cannot do this: listing its migrations creates its tables.
 */
export async function schemaStatus(databaseUrl: string | undefined, sqlitePath: string): Promise<SchemaStatus> {
  if (databaseUrl === undefined && !existsSync(sqlitePath)) return statusOf('sqlite', []);
  const dialect: StoreDialect = databaseUrl === undefined ? 'sqlite' : 'postgres';
  const db = new Kysely<Record<string, { name: string }>>({
    dialect:
      databaseUrl === undefined
        ? new SqliteDialect({ database: new BetterSqlite3(sqlitePath, { readonly: true, fileMustExist: true }) })
        : new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }),
  });
  try {
    const tables = await db.introspection.getTables();
    if (!tables.some((table) => table.name === migrationTable)) return statusOf(dialect, []);
    const rows = await db.selectFrom(migrationTable).select(sql<string>`name`.as('name')).execute();
    return statusOf(
      dialect,
      rows.map((row) => row.name),
    );
  } finally {
    await db.destroy();
  }
}

async function statusOf(dialect: StoreDialect, applied: readonly string[]): Promise<SchemaStatus> {
  const known = Object.keys(await migrationProvider(dialect).getMigrations()).sort();
  const done = new Set(applied);
  return {
    applied: known.filter((name) => done.has(name)),
    pending: known.filter((name) => !done.has(name)),
    unknown: applied.filter((name) => !known.includes(name)).sort(),
  };
}
