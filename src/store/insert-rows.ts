import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { StoreDialect } from './store.js';

/**
 * The most rows one insert takes. Up to `rowsExactMax` rows go in one insert; more go in
 * inserts of a power of two of rows. However many rows a batch has, a table then sees at
 * most two dozen SQL texts, which the store keeps prepared, and a small batch — the
 * common case — takes one statement. 256 rows of 24 columns stay far below the bound
 * parameters either database takes in one statement.
 */
const rowsPerInsertMax = 256;
const rowsExactMax = 16;

/** Splits `count` rows into inserts: 12 → 12; 37 → 32, 5. */
function* chunks(count: number): Generator<[number, number]> {
  let at = 0;
  // Each turn takes what remains or at least half of it, so it runs at most log2(count) + count/256 times.
  while (at < count) {
    let size = count - at;
    if (size > rowsExactMax) {
      size = rowsPerInsertMax;
      while (size > count - at) size /= 2;
    }
    yield [at, at + size];
    at += size;
  }
}

/**
 * One table's multi-row insert, its SQL written once per row count. The hot path writes
 * a batch of records per transaction; building that insert with the query builder cost
 * more CPU than the database took to run it.
 */
export class RowInserter {
  readonly #prefix: string;
  readonly #columnCount: number;
  readonly #fixedValues: string;
  readonly #placeholder: (n: number) => string;
  readonly #texts = new Map<number, string>();

  /**
   * `table` and `columns` are SQL names (snake_case), fixed by the caller, never input.
   * `fixed` gives columns the same text in every row, written into the SQL as literals:
   * each bound value costs the driver more than the database takes to store it.
   */
  constructor(
    dialect: StoreDialect,
    table: string,
    columns: readonly string[],
    fixed: Readonly<Record<string, string>> = {},
  ) {
    const fixedColumns = Object.keys(fixed);
    this.#prefix = `insert into ${table} (${[...columns, ...fixedColumns].join(', ')}) values `;
    this.#columnCount = columns.length;
    this.#fixedValues = fixedColumns.map((column) => `, '${fixed[column]!.replaceAll("'", "''")}'`).join('');
    this.#placeholder = dialect === 'postgres' ? (n) => `$${n}` : () => '?';
  }

  /** Inserts `rows` (each its values in column order) in `db`, in as few statements as `chunks` allows. */
  async insert(db: Kysely<Database>, rows: readonly (readonly unknown[])[]): Promise<void> {
    for (const [from, to] of chunks(rows.length)) {
      const parameters: unknown[] = [];
      for (let i = from; i < to; i += 1) parameters.push(...rows[i]!);
      await db.executeQuery(CompiledQuery.raw(this.#text(to - from), parameters));
    }
  }

  #text(rowCount: number): string {
    let text = this.#texts.get(rowCount);
    if (text === undefined) {
      let n = 0;
      const row = (): string =>
        `(${Array.from({ length: this.#columnCount }, () => this.#placeholder(++n)).join(', ')}${this.#fixedValues})`;
      text = this.#prefix + Array.from({ length: rowCount }, row).join(', ');
      this.#texts.set(rowCount, text);
    }
    return text;
  }
}
