import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/**
 * The transparency log (src/audit): its leaves, the hash of every complete subtree of
 * its Merkle tree, and the checkpoints it signed. All three are append-only. No foreign
 * keys, for the reason usage records have none: the log must outlive what it names.
 *
 * `audit_nodes` holds one row per perfect subtree — level 0 is the leaf hashes — so any
 * root or proof is a few dozen primary-key reads instead of a rescan. On SQLite it is a
 * WITHOUT ROWID table: the key is the row, and its two million rows per million leaves
 * take no second index.
 */
export function auditLog(dialect: StoreDialect): Migration {
  const { id, instant, int64 } = columnTypes(dialect);
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_leaves')
        // On SQLite `integer primary key` is the rowid itself, the most compact key there is.
        .addColumn('idx', int64, (c) => c.primaryKey())
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('entry_id', id(128), (c) => c.notNull().unique())
        .addColumn('organization_id', id(64))
        .addColumn('created_at', instant, (c) => c.notNull())
        .addColumn('entry', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_nodes')
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('idx', int64, (c) => c.notNull())
        .addColumn('hash', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_nodes_pk', ['level', 'idx'])
        .$call((table) => (dialect === 'sqlite' ? table.modifyEnd(sql`without rowid`) : table))
        .execute();
      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('tree_size', int64, (c) => c.primaryKey())
        .addColumn('root_hash', bytes, (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', instant, (c) => c.notNull())
        .execute();
    },
  };
}
