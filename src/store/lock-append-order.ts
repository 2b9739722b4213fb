import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import type { Store } from './store.js';

/** One PostgreSQL advisory lock per append-only table; the values only need to be distinct. */
const appendOrderLockKeys = Object.freeze({
  usageRecords: 0x436f_6d6d_0001,
  auditLeaves: 0x436f_6d6d_0005,
});

export type AppendOnlyTable = keyof typeof appendOrderLockKeys;

/**
 * Call inside the transaction that appends to `table`, before the first append: numbers
 * are then handed out in commit order, so a reader paging with `seq > cursor` never sees a
 * later number before an earlier one has committed and skips it forever.
 *
 * SQLite admits one writing transaction at a time, so this holds there already. With
 * PostgreSQL and several writers it does not: an identity value is taken at insert and a
 * transaction that took 100 can commit after one that took 101. A transaction-scoped
 * advisory lock makes the appending transactions of every replica take turns; group
 * commit keeps them few, and the lock is released at commit or rollback.
 */
export async function lockAppendOrder(store: Store, tx: Kysely<Database>, table: AppendOnlyTable): Promise<void> {
  if (store.dialect !== 'postgres') return;
  // A group commit appends hundreds of records in one transaction; one lock covers them all.
  let held = locksHeld.get(tx);
  if (held?.has(table)) return;
  await sql`select pg_advisory_xact_lock(${appendOrderLockKeys[table]})`.execute(tx);
  if (held === undefined) locksHeld.set(tx, (held = new Set()));
  held.add(table);
}

/** The locks each open transaction holds; a transaction's entry goes with it. */
const locksHeld = new WeakMap<Kysely<Database>, Set<AppendOnlyTable>>();
