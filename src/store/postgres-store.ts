import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { migrateToLatest } from './migrate.js';
import { type PostgresStoreOptions, resolvePostgresStoreOptions } from './postgres-store-options.js';
import { postgresTypes } from './postgres-types.js';
import type { ConstraintViolation, Store } from './store.js';

/** SQLSTATE codes of the violations callers tell apart (PostgreSQL, Appendix A). */
const uniqueViolation = '23505';
const foreignKeyViolation = '23503';

export interface OpenPostgresStoreOptions extends Partial<PostgresStoreOptions> {
  /**
   * Told about an error on an idle pooled connection, such as the server restarting. The
   * pool has already dropped that connection and the next query opens a fresh one; without
   * a listener pg would raise the error as an uncaught exception and end the process.
   */
  readonly onIdleConnectionError?: ((error: Error) => void) | undefined;
}

/**
 * The store for scale-out: several gateway replicas share one PostgreSQL database
 * through a bounded pool each. Migrates on open, as the SQLite store does.
 */
export async function openPostgresStore(
  connectionString: string,
  options: OpenPostgresStoreOptions = {},
): Promise<Store> {
  const { onIdleConnectionError, ...limits } = options;
  const resolved = resolvePostgresStoreOptions(limits);
  const pool = new pg.Pool({
    connectionString,
    max: resolved.connectionsMax,
    connectionTimeoutMillis: resolved.connectTimeoutMs,
    idleTimeoutMillis: resolved.idleTimeoutMs,
    statement_timeout: resolved.statementTimeoutMs,
    idle_in_transaction_session_timeout: resolved.idleInTransactionTimeoutMs,
    // A replica whose peer vanished without closing the connection finds out from TCP.
    keepAlive: true,
    application_name: 'commonweal',
    types: postgresTypes,
  });
  pool.on('error', (error) => onIdleConnectionError?.(error));
  // The pool listens for errors only on idle connections: one that breaks while a query
  // runs on it (the server gone mid-query) would raise its error as an uncaught exception
  // and end the process, where the query's rejection already tells its caller. The pool
  // then drops it on release, as it is no longer queryable.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  try {
    await migrateToLatest(db, 'postgres');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    dialect: 'postgres',
    db,
    async ping() {
      await sql`select 1`.execute(db);
    },
    // A PostgreSQL commit has returned only once it is durable (synchronous_commit on).
    durable: () => Promise.resolve(),
    constraintViolation(error: unknown): ConstraintViolation | undefined {
      if (!(error instanceof pg.DatabaseError)) return undefined;
      if (error.code === uniqueViolation) return 'unique';
      if (error.code === foreignKeyViolation) return 'foreign_key';
      return undefined;
    },
    async close() {
      await db.destroy();
    },
  };
}
