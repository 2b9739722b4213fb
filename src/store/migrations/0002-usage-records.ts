import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/**
 * The append-order key. In SQLite `integer primary key autoincrement` is the rowid, and
 * AUTOINCREMENT keeps a deleted record's number from ever being handed out again, so an
 * export cursor never skips or repeats a record. PostgreSQL's identity column never hands
 * a number out twice either; that numbers also follow commit order there, with several
 * writers, is `lockAppendOrder`'s part. This is the table's only column whose definition
 * differs by dialect beyond its type, so the choice stays in this one function.
 */
function addSeqColumn<TB extends string>(
  dialect: StoreDialect,
  table: CreateTableBuilder<TB>,
): CreateTableBuilder<TB, 'seq'> {
  if (dialect === 'postgres')
    return table.addColumn('seq', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey());
  return table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement());
}

/**
 * Metering: one record per request. No foreign keys, on purpose: usage is an append-only
 * account of what happened and must outlive the keys, projects and models it names.
 */
export function usageRecords(dialect: StoreDialect): Migration {
  const { id, instant, int64 } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await addSeqColumn(dialect, db.schema.createTable('usage_records'))
        .addColumn('id', id(128), (c) => c.notNull().unique())
        .addColumn('created_at', instant, (c) => c.notNull())
        .addColumn('organization_id', id(64), (c) => c.notNull())
        .addColumn('project_id', id(64), (c) => c.notNull())
        .addColumn('api_key_id', id(64), (c) => c.notNull())
        .addColumn('model_id', id(128), (c) => c.notNull())
        .addColumn('endpoint', 'varchar(32)', (c) => c.notNull())
        .addColumn('deployment_id', id(64))
        .addColumn('site_id', id(64))
        .addColumn('jurisdiction', 'varchar(2)')
        .addColumn('prompt_tokens', int64, (c) => c.notNull())
        .addColumn('completion_tokens', int64, (c) => c.notNull())
        .addColumn('total_tokens', int64, (c) => c.notNull())
        .addColumn('usage_estimated', 'integer', (c) => c.notNull())
        .addColumn('first_byte_ms', int64)
        .addColumn('total_ms', int64, (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('outcome', 'varchar(32)', (c) => c.notNull())
        .addColumn('error_code', 'varchar(64)')
        .addColumn('streamed', 'integer', (c) => c.notNull())
        .execute();
      // Reports ask for one organization's or one model's usage over a period.
      await db.schema
        .createIndex('usage_records_by_organization')
        .on('usage_records')
        .columns(['organization_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('usage_records_by_model')
        .on('usage_records')
        .columns(['model_id', 'created_at'])
        .execute();
    },
  };
}
