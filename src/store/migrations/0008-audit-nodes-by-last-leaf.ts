import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/**
 * Keys `audit_nodes` by the subtree's last leaf, then its level, instead of level then
 * index. An append completes the level-0 node of its leaf and the nodes that end at it,
 * so a batch's new nodes now sit side by side at the table's right edge: a commit
 * rewrites one or two pages of it, where keyed by level it rewrote one page per level
 * the batch reached. The rows are the same; each moves to its new key.
 */
export function auditNodesByLastLeaf(dialect: StoreDialect): Migration {
  const { int64 } = columnTypes(dialect);
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_nodes_by_last_leaf')
        .addColumn('last_leaf', int64, (c) => c.notNull())
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('hash', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_nodes_by_last_leaf_pk', ['last_leaf', 'level'])
        .$call((table) => (dialect === 'sqlite' ? table.modifyEnd(sql`without rowid`) : table))
        .execute();
      // The subtree over leaves [idx·2^level, (idx+1)·2^level) ends at leaf (idx+1)·2^level − 1.
      await sql`insert into audit_nodes_by_last_leaf (last_leaf, level, hash) select ((idx + 1) << level) - 1, level, hash from audit_nodes`.execute(
        db,
      );
      await db.schema.dropTable('audit_nodes').execute();
      await db.schema.alterTable('audit_nodes_by_last_leaf').renameTo('audit_nodes').execute();
    },
  };
}
