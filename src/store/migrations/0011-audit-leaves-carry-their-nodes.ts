import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/**
 * A receipt wrote to three B-trees besides its usage record's: `audit_leaves`, its unique
 * `entry_id` index and, every 8 leaves on average, `audit_nodes`; each commit rewrote the
 * right edge of every one of them, and that write was most of what receipts cost. Now it
 * writes one:
 *
 * - A leaf row carries the hashes of the stored perfect subtrees that end at it (level 4
 *   and up, lowest first, 32 bytes each; null when it ends none): those are exactly the
 *   nodes its append completes. `audit_nodes` goes.
 * - A receipt is found through its usage record, whose new `receipt_leaf` column holds its
 *   leaf index, so the leaf needs no id of its own. Its kind, id, organization and time are
 *   all in its text, so the leaf row keeps only that text.
 *
 * SQLite cannot drop a unique column, so the table is copied into its new shape. The
 * levels' order of concatenation is spelled per dialect; the results are the same bytes.
 */
export function auditLeavesCarryTheirNodes(dialect: StoreDialect): Migration {
  const { int64 } = columnTypes(dialect);
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  const concatenatedHashes =
    dialect === 'postgres'
      ? sql`string_agg(hash, ''::bytea order by level)`
      : sql`unhex(group_concat(hex(hash), '' order by level))`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('usage_records').addColumn('receipt_leaf', int64).execute();
      await sql`update usage_records set receipt_leaf = (select idx from audit_leaves where entry_id = usage_records.id and kind = 'receipt')`.execute(
        db,
      );
      await db.schema
        .createTable('audit_leaves_next')
        .addColumn('idx', int64, (c) => c.primaryKey())
        .addColumn('entry', 'text', (c) => c.notNull())
        .addColumn('subtree_hashes', bytes)
        .execute();
      await sql`insert into audit_leaves_next (idx, entry, subtree_hashes)
        select leaf.idx, leaf.entry, node.hashes
        from audit_leaves leaf
        left join (select last_leaf, ${concatenatedHashes} as hashes from audit_nodes group by last_leaf) node on node.last_leaf = leaf.idx`.execute(
        db,
      );
      await db.schema.dropTable('audit_nodes').execute();
      await db.schema.dropTable('audit_leaves').execute();
      await db.schema.alterTable('audit_leaves_next').renameTo('audit_leaves').execute();
      if (dialect === 'postgres') await sql`alter index audit_leaves_next_pkey rename to audit_leaves_pkey`.execute(db);
    },
  };
}
