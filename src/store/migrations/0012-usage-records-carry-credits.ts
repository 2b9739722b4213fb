import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/**
 * What each metered request cost: its tokens at the model's prices (`credits_priced_micro`),
 * what its organization was charged (at most its hold) and what the platform wrote off
 * (the rest, when a model server reported more than was held). `ledger verify` checks
 * `priced = charged + written off` and both against the ledger's transfers; the prices of
 * a model may change later, so the priced figure is kept rather than recomputed. All three
 * stay null for a request that ran unmetered, and for records from before this migration.
 */
export function usageRecordsCarryCredits(dialect: StoreDialect): Migration {
  const { int64 } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const column of ['credits_priced_micro', 'credits_charged_micro', 'credits_written_off_micro']) {
        await db.schema.alterTable('usage_records').addColumn(column, int64).execute();
      }
    },
  };
}
