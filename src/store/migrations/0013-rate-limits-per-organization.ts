import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/**
 * A rate limit's id, `project:<projectId>` or `key:<keyId>`, was the table's whole key,
 * but project ids are chosen per organization: a second organization with a project of
 * the same id could not get a limit on it. The key is now the organization and the id,
 * as for projects. SQLite cannot change a primary key, so the table is copied into its
 * new shape on both dialects.
 */
export function rateLimitsPerOrganization(dialect: StoreDialect): Migration {
  const { id, instant, int64 } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('rate_limits_next')
        .addColumn('organization_id', id(64), (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('id', id(96), (c) => c.notNull())
        .addColumn('scope', 'varchar(16)', (c) => c.notNull())
        .addColumn('scope_id', id(64), (c) => c.notNull())
        .addColumn('requests_per_minute', int64)
        .addColumn('tokens_per_minute', int64)
        .addColumn('updated_at', instant, (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_limits_pk', ['organization_id', 'id'])
        .execute();
      await sql`insert into rate_limits_next
          (organization_id, id, scope, scope_id, requests_per_minute, tokens_per_minute, updated_at)
        select organization_id, id, scope, scope_id, requests_per_minute, tokens_per_minute, updated_at
        from rate_limits`.execute(db);
      await db.schema.dropTable('rate_limits').execute();
      await db.schema.alterTable('rate_limits_next').renameTo('rate_limits').execute();
    },
  };
}
