import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/**
 * Sovereignty: operator-defined jurisdiction groups, residency policies of organizations
 * and projects, the ordered rule list, and the versioned log of every change to them.
 * The usage record learns which policy version decided its request.
 *
 * No foreign keys to organizations or projects: the change log must outlive what it
 * names, as usage does, and a policy row of a deleted organization is replaced when the
 * id is used again.
 */
export function policy(dialect: StoreDialect): Migration {
  const { id, instant, int64 } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('jurisdiction_groups')
        .addColumn('id', id(32), (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('members', 'text', (c) => c.notNull())
        .addColumn('created_at', instant, (c) => c.notNull())
        .addColumn('updated_at', instant, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('organization_policies')
        .addColumn('organization_id', id(64), (c) => c.primaryKey())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('version', int64, (c) => c.notNull())
        .addColumn('updated_at', instant, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('project_policies')
        .addColumn('organization_id', id(64), (c) => c.notNull())
        .addColumn('project_id', id(64), (c) => c.notNull())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('version', int64, (c) => c.notNull())
        .addColumn('updated_at', instant, (c) => c.notNull())
        .addPrimaryKeyConstraint('project_policies_pk', ['organization_id', 'project_id'])
        .execute();

      // Positions are renumbered by every change; not unique, so that renumbering row by
      // row never trips over a constraint halfway.
      await db.schema
        .createTable('policy_rules')
        .addColumn('id', id(64), (c) => c.primaryKey())
        .addColumn('position', int64, (c) => c.notNull())
        .addColumn('effect', 'varchar(8)', (c) => c.notNull())
        .addColumn('match', 'text', (c) => c.notNull())
        .addColumn('reason', 'varchar(500)', (c) => c.notNull())
        .addColumn('reference', 'varchar(500)')
        .addColumn('created_at', instant, (c) => c.notNull())
        .addColumn('updated_at', instant, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('policy_changes')
        .addColumn('version', int64, (c) => c.primaryKey())
        .addColumn('created_at', instant, (c) => c.notNull())
        .addColumn('actor', 'varchar(128)', (c) => c.notNull())
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('subject_id', 'varchar(200)', (c) => c.notNull())
        .addColumn('organization_id', id(64))
        .addColumn('before', 'text')
        .addColumn('after', 'text')
        .execute();
      // An organization admin reads the history of its own organization's policies.
      await db.schema
        .createIndex('policy_changes_by_organization')
        .on('policy_changes')
        .columns(['organization_id', 'version'])
        .execute();

      await db.schema
        .createTable('policy_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('version', int64, (c) => c.notNull())
        .execute();
      await db
        .insertInto('policy_head' as never)
        .values({ id: 1, version: 0 } as never)
        .execute();

      await db.schema.alterTable('usage_records').addColumn('policy_version', int64).execute();
    },
  };
}
