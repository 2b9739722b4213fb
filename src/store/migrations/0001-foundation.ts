import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/**
 * Tenancy and the catalog: organizations, projects, keys, models, sites, deployments.
 * On SQLite the column types are exactly those this migration has always created.
 */
export function foundation(dialect: StoreDialect): Migration {
  const { id, instant, int64 } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('organizations')
        .addColumn('id', id(64), (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('home_jurisdiction', 'varchar(2)', (c) => c.notNull())
        .addColumn('created_at', instant, (c) => c.notNull())
        .addColumn('updated_at', instant, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('projects')
        .addColumn('organization_id', id(64), (c) => c.notNull().references('organizations.id'))
        .addColumn('id', id(64), (c) => c.notNull())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('created_at', instant, (c) => c.notNull())
        .addColumn('updated_at', instant, (c) => c.notNull())
        // Project ids are chosen by tenants, so each organization has its own namespace:
        // a global key would tell one tenant which ids another one uses.
        .addPrimaryKeyConstraint('projects_pk', ['organization_id', 'id'])
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', id(64), (c) => c.primaryKey())
        .addColumn('organization_id', id(64), (c) => c.notNull().references('organizations.id'))
        .addColumn('project_id', id(64))
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('name', 'varchar(200)')
        .addColumn('prefix', 'varchar(32)', (c) => c.notNull())
        .addColumn('secret_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('expires_at', instant)
        .addColumn('revoked_at', instant)
        .addColumn('created_at', instant, (c) => c.notNull())
        .addForeignKeyConstraint('api_keys_project_fk', ['organization_id', 'project_id'], 'projects', [
          'organization_id',
          'id',
        ])
        .execute();
      await db.schema
        .createIndex('api_keys_by_organization')
        .on('api_keys')
        .columns(['organization_id', 'id'])
        .execute();

      await db.schema
        .createTable('models')
        .addColumn('id', id(128), (c) => c.primaryKey())
        .addColumn('family', 'varchar(128)')
        .addColumn('origin', 'varchar(200)')
        .addColumn('license', 'varchar(128)')
        .addColumn('parameter_count', 'bigint')
        .addColumn('context_length', int64)
        .addColumn('input_price_micro_per_mtok', 'bigint', (c) => c.notNull())
        .addColumn('output_price_micro_per_mtok', 'bigint', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('created_at', instant, (c) => c.notNull())
        .addColumn('updated_at', instant, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sites')
        .addColumn('id', id(64), (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('jurisdiction', 'varchar(2)', (c) => c.notNull())
        .addColumn('region', 'varchar(128)')
        .addColumn('city', 'varchar(128)')
        .addColumn('accelerators', 'text', (c) => c.notNull())
        .addColumn('power_kw', int64)
        .addColumn('created_at', instant, (c) => c.notNull())
        .addColumn('updated_at', instant, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('deployments')
        .addColumn('id', id(64), (c) => c.primaryKey())
        .addColumn('model_id', id(128), (c) => c.notNull().references('models.id'))
        .addColumn('site_id', id(64), (c) => c.notNull().references('sites.id'))
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('base_url', 'varchar(2048)')
        .addColumn('upstream_model', 'varchar(256)')
        .addColumn('upstream_api_key_sealed', 'text')
        .addColumn('weight', int64, (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', instant, (c) => c.notNull())
        .addColumn('updated_at', instant, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('deployments_by_model').on('deployments').column('model_id').execute();
      await db.schema.createIndex('deployments_by_site').on('deployments').column('site_id').execute();
    },
  };
}
