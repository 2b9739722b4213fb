import type { Migration, MigrationProvider } from 'kysely';
import { foundation } from './0001-foundation.js';
import { usageRecords } from './0002-usage-records.js';

/**
 * Migrations live in code, not in files found at run time, so that a bundled or
 * installed build always carries exactly the migrations it was built with.
 */
const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-foundation': foundation,
  '0002-usage-records': usageRecords,
});

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...migrations }),
};
