import { type OptionBounds, resolveBoundedOptions } from './resolve-bounded-options.js';

export interface PostgresStoreOptions {
  /** Connections one process holds at most; the database's own limit is shared by every replica. */
  readonly connectionsMax: number;
  /** How long opening a connection may take before the query that needed it fails. */
  readonly connectTimeoutMs: number;
  /** The server cancels a statement that runs longer, so no query holds a connection or a lock forever. */
  readonly statementTimeoutMs: number;
  /** The server ends a session left idle inside a transaction this long, releasing its locks. */
  readonly idleInTransactionTimeoutMs: number;
  /** An unused connection is closed after this long. */
  readonly idleTimeoutMs: number;
}

export const postgresStoreDefaults: PostgresStoreOptions = Object.freeze({
  connectionsMax: 10,
  connectTimeoutMs: 5_000,
  // Every query of the gateway is a point lookup, a page or a group commit; a report over
  // a long period is the slowest and still far below this.
  statementTimeoutMs: 30_000,
  idleInTransactionTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
});

const bounds: OptionBounds<PostgresStoreOptions> = Object.freeze({
  connectionsMax: [1, 1_000],
  connectTimeoutMs: [1, 600_000],
  statementTimeoutMs: [1, 3_600_000],
  idleInTransactionTimeoutMs: [1, 3_600_000],
  idleTimeoutMs: [1, 3_600_000],
});

/** Fills in the defaults and checks every bound once; zero, which PostgreSQL reads as "no limit", is refused. */
export function resolvePostgresStoreOptions(options: Partial<PostgresStoreOptions> = {}): PostgresStoreOptions {
  return resolveBoundedOptions('PostgreSQL store option', postgresStoreDefaults, bounds, options);
}
