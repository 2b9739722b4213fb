import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/** Buckets per latency histogram; metering's `latencyBucketBoundsMs` has one bound fewer. */
export const rollupHistogramBuckets = 20;

/** The SQL names of a histogram's bucket columns, `<prefix>_b00` to `<prefix>_b19`. */
export function rollupHistogramColumns(prefix: 'latency' | 'first_byte'): readonly string[] {
  return Array.from({ length: rollupHistogramBuckets }, (_, i) => `${prefix}_b${String(i).padStart(2, '0')}`);
}

/**
 * What the console's charts read instead of the usage records: per hour and per day, the
 * sums of every organization × project × key × model × site × outcome that had requests
 * (granularity `hour`, `day`; and `hour_org`, `day_org` with project and key left '')
 * with latency and time-to-first-token histograms that add up across rows. A record's
 * absent site, jurisdiction or error code is stored as '' so that the key stays unique
 * (SQL's NULLs never conflict). A follower of `usage_records.seq` fills them; its cursor
 * is a row of `usage_rollup_cursor`, advanced in the transaction that adds the sums.
 *
 * `usage_denials` counts, per hour, organization and error code, the requests refused
 * before admission, which write no usage record.
 */
export function usageRollups(dialect: StoreDialect): Migration {
  const { id, instant, int64 } = columnTypes(dialect);
  const sums = (table: CreateTableBuilder<'usage_rollups', string>): CreateTableBuilder<'usage_rollups', string> => {
    let built = table;
    for (const column of [
      'requests',
      'prompt_tokens',
      'completion_tokens',
      'credits_priced_micro',
      'credits_charged_micro',
      'credits_written_off_micro',
      'latency_ms_sum',
      'first_byte_ms_sum',
      'first_byte_count',
      'errors',
      ...rollupHistogramColumns('latency'),
      ...rollupHistogramColumns('first_byte'),
    ]) {
      built = built.addColumn(column, int64, (c) => c.notNull());
    }
    return built;
  };
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const table = db.schema
        .createTable('usage_rollups')
        .addColumn('granularity', 'varchar(24)', (c) => c.notNull())
        .addColumn('bucket_start', instant, (c) => c.notNull())
        .addColumn('organization_id', id(64), (c) => c.notNull())
        .addColumn('project_id', id(64), (c) => c.notNull())
        .addColumn('api_key_id', id(64), (c) => c.notNull())
        .addColumn('model_id', id(128), (c) => c.notNull())
        .addColumn('site_id', id(64), (c) => c.notNull())
        .addColumn('jurisdiction', 'varchar(2)', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('outcome', 'varchar(32)', (c) => c.notNull())
        .addColumn('error_code', 'varchar(64)', (c) => c.notNull());
      await sums(table)
        .addPrimaryKeyConstraint('usage_rollups_pk', [
          'granularity',
          'bucket_start',
          'organization_id',
          'project_id',
          'api_key_id',
          'model_id',
          'site_id',
          'jurisdiction',
          'status',
          'outcome',
          'error_code',
        ])
        .execute();
      // An organization admin's console reads only its organization's rows of a period.
      await db.schema
        .createIndex('usage_rollups_by_organization')
        .on('usage_rollups')
        .columns(['organization_id', 'granularity', 'bucket_start'])
        .execute();
      await db.schema
        .createTable('usage_rollup_cursor')
        .addColumn('name', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('seq', int64, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('usage_denials')
        .addColumn('bucket_start', instant, (c) => c.notNull())
        .addColumn('organization_id', id(64), (c) => c.notNull())
        .addColumn('error_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('requests', int64, (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_denials_pk', ['bucket_start', 'organization_id', 'error_code'])
        .execute();
      // The console's request list pages one organization's records, newest first, by `seq`.
      await db.schema
        .createIndex('usage_records_by_organization_seq')
        .on('usage_records')
        .columns(['organization_id', 'seq'])
        .execute();
    },
  };
}
