import { sql, type Transaction } from 'kysely';
import type { Database } from './database.js';
import type { StoreDialect } from './store.js';

/** One PostgreSQL advisory lock per append-only table; the values only need to be distinct. */
const appendOrderLockKeys = Object.freeze({
  usageRecords: 0x436f_6d6d_0001,
  auditLeaves: 0x436f_6d6d_0005,
});

export type AppendOnlyTable = keyof typeof appendOrderLockKeys;

/** Rows that many jobs of one transaction add and one write takes just before COMMIT. */
interface Batch {
  readonly rows: unknown;
  readonly write: (tx: WriteTransaction, rows: never) => Promise<void>;
}

/**
 * A transaction of the group-commit writer, with what it carries besides its SQL: the
 * batches its jobs fill and that are written just before COMMIT, the actions to run once
 * it has committed, and the append-order locks it holds. A job may run more than once
 * (its transaction retried, its batch split); each run gets a new `WriteTransaction`, so
 * nothing a failed run gathered can reach the run that commits.
 */
export class WriteTransaction {
  readonly db: Transaction<Database>;
  readonly dialect: StoreDialect;
  readonly #batches = new Map<object, Batch>();
  readonly #afterCommit: (() => void)[] = [];
  readonly #afterEnd: (() => void)[] = [];
  readonly #locks = new Set<AppendOnlyTable>();

  constructor(db: Transaction<Database>, dialect: StoreDialect) {
    this.db = db;
    this.dialect = dialect;
  }

  /**
   * The batch that `owner` gathers in this transaction: made by `open` on the first call,
   * the same object on later ones, and handed to `write` just before COMMIT, in the order
   * the batches were opened. Statements per request would cost more than the rest of its
   * records; one multi-row insert per transaction costs almost nothing per row. Reads
   * inside the transaction do not see the rows before then.
   */
  batch<B>(owner: object, open: () => B, write: (tx: WriteTransaction, rows: B) => Promise<void>): B {
    const existing = this.#batches.get(owner);
    if (existing !== undefined) return existing.rows as B;
    const rows = open();
    this.#batches.set(owner, { rows, write: write as Batch['write'] });
    return rows;
  }

  /** Runs `action` once this transaction has committed and is durable, before its jobs' promises resolve. */
  afterCommit(action: () => void): void {
    this.#afterCommit.push(action);
  }

  /**
   * Runs `action` once this transaction has ended, whether it committed or was rolled back,
   * after the actions of `afterCommit`: what a job holds in memory while its run is in
   * flight (credits reserved, a hold being resolved) is released exactly once per run.
   */
  afterEnd(action: () => void): void {
    this.#afterEnd.push(action);
  }

  /**
   * Call before the first append to `table`: numbers are then handed out in commit order,
   * so a reader paging with `seq > cursor` never sees a later number before an earlier one
   * has committed and skips it forever.
   *
   * SQLite admits one writing transaction at a time, so this holds there already. With
   * PostgreSQL and several writers it does not: an identity value is taken at insert and a
   * transaction that took 100 can commit after one that took 101. A transaction-scoped
   * advisory lock makes the appending transactions of every replica take turns; group
   * commit keeps them few, and the lock is released at commit or rollback.
   */
  async lockAppendOrder(table: AppendOnlyTable): Promise<void> {
    if (this.dialect !== 'postgres' || this.#locks.has(table)) return;
    await sql`select pg_advisory_xact_lock(${appendOrderLockKeys[table]})`.execute(this.db);
    this.#locks.add(table);
  }

  /** The writer's part, after every job: writes the batches. A failure here names no job, as one at COMMIT does not. */
  async writeBatches(): Promise<void> {
    for (const batch of this.#batches.values()) await batch.write(this, batch.rows as never);
  }

  /** The writer's part, once the commit is durable. */
  committed(): void {
    for (const action of this.#afterCommit) action();
  }

  /** The writer's part, once this transaction has committed or failed, for every transaction it opened. */
  ended(): void {
    for (const action of this.#afterEnd) action();
  }
}
