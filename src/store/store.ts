import type { Kysely } from 'kysely';
import type { Database } from './database.js';

export type StoreDialect = 'sqlite' | 'postgres';

/** What a failed write violated, as far as callers need to tell the client. */
export type ConstraintViolation = 'unique' | 'foreign_key';

/**
 * The database behind one small seam: every module queries through `db` with
 * portable Kysely SQL, and the dialect-specific parts (opening, pragmas, error codes)
 * stay in the implementation.
 */
export interface Store {
  readonly dialect: StoreDialect;
  readonly db: Kysely<Database>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  constraintViolation(error: unknown): ConstraintViolation | undefined;
  /**
   * Resolves once every transaction committed before the call survives power loss.
   * A store whose commits are durable when they return resolves at once.
   */
  durable(): Promise<void>;
  close(): Promise<void>;
}
