import type { Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from '../store.js';
import { foundation } from './0001-foundation.js';
import { usageRecords } from './0002-usage-records.js';

/**
 * Migrations live in code, not in files found at run time, so that a bundled or
 * installed build always carries exactly the migrations it was built with. Each is built
 * for the dialect it runs on, so that the few spellings that differ (collation, 64-bit
 * integers, the append-order key) are decided where the table is defined.
 */
export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  const migrations: Readonly<Record<string, Migration>> = Object.freeze({
    '0001-foundation': foundation(dialect),
    '0002-usage-records': usageRecords(dialect),
  });
  return { getMigrations: async () => ({ ...migrations }) };
}
