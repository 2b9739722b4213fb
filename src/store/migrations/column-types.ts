import { type ColumnDataType, type Expression, sql } from 'kysely';
import type { StoreDialect } from '../store.js';

export type ColumnType = ColumnDataType | Expression<unknown>;

/** The few column types whose spelling differs between the dialects, so that both behave alike. */
export interface ColumnTypes {
  /**
   * A record id, or a reference to one. Lists sort by id and page with `id > after`, so
   * ids must compare byte by byte as SQLite's BINARY collation does; PostgreSQL would
   * otherwise use the database's collation, which in most locales puts `a` before `B`
   * and weighs punctuation its own way, and an id chosen by a client could then appear
   * on no page or on two.
   */
  id(lengthMax: number): ColumnType;
  /**
   * An ISO-8601 UTC timestamp such as `2025-03-01T12:00:00.000Z`. Periods are selected by
   * comparing these as strings, so they too compare byte by byte on both dialects.
   */
  readonly instant: ColumnType;
  /**
   * A whole number such as a count or a duration. SQLite's `integer` holds 64 bits, and
   * the code checks only `Number.isSafeInteger`, so PostgreSQL takes `bigint` too: a
   * value one database accepts is never refused by the other as out of range.
   */
  readonly int64: ColumnType;
}

export function columnTypes(dialect: StoreDialect): ColumnTypes {
  if (dialect === 'postgres') {
    return {
      id: (lengthMax) => sql.raw(`varchar(${checkedLength(lengthMax)}) collate "C"`),
      instant: sql.raw('varchar(32) collate "C"'),
      int64: 'bigint',
    };
  }
  return {
    id: (lengthMax) => `varchar(${checkedLength(lengthMax)})` as const,
    instant: 'varchar(32)',
    int64: 'integer',
  };
}

function checkedLength(lengthMax: number): number {
  if (!Number.isSafeInteger(lengthMax) || lengthMax < 1)
    throw new RangeError(`column length must be a positive integer, got ${lengthMax}`);
  return lengthMax;
}
