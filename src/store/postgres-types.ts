import pg from 'pg';

const int8Oid = 20;

/**
 * Reads a PostgreSQL `bigint` as a JavaScript number. Money is integer micro-credits in
 * `bigint` columns and the domain types are numbers, as SQLite returns them; pg's default
 * is a string. A value a number cannot hold exactly is refused, never rounded: a wrong
 * balance is worse than a failed query.
 */
export function parseSafeInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(
      `PostgreSQL bigint ${text} is beyond Number.MAX_SAFE_INTEGER and cannot be read as a number without losing precision`,
    );
  }
  return value;
}

/**
 * The type parsers of the store's own pool. They are given to the pool rather than set on
 * `pg.types`, which is global to the process and would change every other pg user in it.
 */
export const postgresTypes: pg.CustomTypesConfig = Object.freeze({
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === int8Oid && format !== 'binary'
      ? parseSafeInt8
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
});
