import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept prepared; past this the cache starts over, so generated SQL (IN lists of any length) cannot grow it without bound. */
const statementsMax = 1_000;

/**
 * better-sqlite3 behind Kysely with its prepared statements reused. Kysely prepares
 * every query anew, and parsing the SQL costs more than running it for the small
 * inserts and updates of the hot path (a usage record, a charge, a receipt), which
 * repeat the same few texts for every request. A statement is stateless between runs
 * and the one connection runs one query at a time, so sharing one is safe.
 */
export function withCachedStatements(database: SqliteDatabase): SqliteDatabase {
  let statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (statement === undefined) {
        if (statements.size >= statementsMax) statements = new Map();
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    close(): void {
      statements.clear();
      database.close();
    },
  };
}
