import { type Kysely, sql } from 'kysely';
import type { Database, WriteTransaction } from '../store/index.js';

/** The PostgreSQL channel that carries the new admin-change serial to every replica once a change commits. */
export const adminChangeChannel = 'commonweal_admin_change';

/**
 * Counts an admin change in `tx` and, on PostgreSQL, notifies the other replicas; both
 * take effect only if `tx` commits. The row lock on the one counter row serializes admin
 * changes, so serials follow commit order: a replica that has loaded serial n has seen
 * every change up to n. `tx` already holds the log's append lock (the leaf is appended
 * first), which every transaction takes before this row, so the two cannot deadlock.
 * A single SQLite process has no other replica to tell and skips it.
 */
export async function countAdminChange(tx: WriteTransaction): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  const { serial } = await tx.db
    .updateTable('adminChangeHead')
    .set((eb) => ({ serial: eb('serial', '+', 1) }))
    .where('id', '=', 1)
    .returning('serial')
    .executeTakeFirstOrThrow();
  await sql`select pg_notify(${adminChangeChannel}, ${String(serial)})`.execute(tx.db);
}

/** How many admin changes have committed. */
export async function readAdminChangeSerial(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('adminChangeHead').select('serial').where('id', '=', 1).executeTakeFirstOrThrow();
  return row.serial;
}
