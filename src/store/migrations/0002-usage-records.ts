import type { CreateTableBuilder, Kysely, Migration } from 'kysely';

/**
 * The append-order key. In SQLite `integer primary key autoincrement` is the rowid, and
 * AUTOINCREMENT keeps a deleted record's number from ever being handed out again, so an
 * export cursor never skips or repeats a record. PostgreSQL will take
 * `bigint generated always as identity` here instead; this is the table's only
 * dialect-specific column, so the choice stays in this one function.
 */
function addSeqColumn<TB extends string>(table: CreateTableBuilder<TB>): CreateTableBuilder<TB, 'seq'> {
  return table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement());
}

/**
 * Metering: one record per request. No foreign keys, on purpose: usage is an append-only
 * account of what happened and must outlive the keys, projects and models it names.
 */
export const usageRecords: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await addSeqColumn(db.schema.createTable('usage_records'))
      .addColumn('id', 'varchar(128)', (c) => c.notNull().unique())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('organization_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('api_key_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('model_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('endpoint', 'varchar(32)', (c) => c.notNull())
      .addColumn('deployment_id', 'varchar(64)')
      .addColumn('site_id', 'varchar(64)')
      .addColumn('jurisdiction', 'varchar(2)')
      .addColumn('prompt_tokens', 'integer', (c) => c.notNull())
      .addColumn('completion_tokens', 'integer', (c) => c.notNull())
      .addColumn('total_tokens', 'integer', (c) => c.notNull())
      .addColumn('usage_estimated', 'integer', (c) => c.notNull())
      .addColumn('first_byte_ms', 'integer')
      .addColumn('total_ms', 'integer', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('outcome', 'varchar(32)', (c) => c.notNull())
      .addColumn('error_code', 'varchar(64)')
      .addColumn('streamed', 'integer', (c) => c.notNull())
      .execute();
    // Reports ask for one organization's or one model's usage over a period.
    await db.schema.createIndex('usage_records_by_organization').on('usage_records').columns(['organization_id', 'created_at']).execute();
    await db.schema.createIndex('usage_records_by_model').on('usage_records').columns(['model_id', 'created_at']).execute();
  },
};
