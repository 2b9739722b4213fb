import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/**
 * What replicas sharing one PostgreSQL database coordinate through (docs/replicas.md):
 * `admin_change_head` counts the admin changes ever committed, in commit order, so that a
 * replica can tell whether its caches hold the newest configuration; `replica_leases` has
 * one row per running replica, saying which count its caches hold and until when, on the
 * database's clock, it may serve. SQLite gets the tables too, unused, so that both
 * dialects keep one schema.
 */
export function replicaCoordination(dialect: StoreDialect): Migration {
  const { id, int64 } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('admin_change_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('serial', int64, (c) => c.notNull())
        .execute();
      await db
        .insertInto('admin_change_head' as never)
        .values({ id: 1, serial: 0 } as never)
        .execute();
      await db.schema
        .createTable('replica_leases')
        .addColumn('replica_id', id(64), (c) => c.primaryKey())
        .addColumn('loaded_serial', int64, (c) => c.notNull())
        .addColumn('lease_until_ms', int64, (c) => c.notNull())
        .execute();
    },
  };
}
