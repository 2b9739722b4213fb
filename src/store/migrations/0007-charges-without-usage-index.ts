import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';

/**
 * Drops `ledger_transfers_by_usage`. Every metered request added an entry to it in its
 * usage record's transaction, and each commit rewrote its right edge, yet only
 * `ledger verify` read it: a request's charge is `charge:<usage record id>`, which the
 * unique index on the transfer id finds as fast.
 */
export function chargesWithoutUsageIndex(_dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('ledger_transfers_by_usage').execute();
    },
  };
}
