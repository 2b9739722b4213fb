import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreDialect } from '../store.js';

/**
 * Every metered request writes a charge, and each index a charge enters is one more
 * B-tree its transaction rewrites. Two of the five it entered served readers that can do
 * without them:
 *
 * - `ledger_transfers_by_charge` (code, organization, time) served only budgets, which
 *   now sum an organization's charges by debit account: `ledger_transfers_by_debit` is
 *   keyed by (debit account, time) instead of (debit account, seq), so that a budget's
 *   period and a statement's are both ranges of it.
 * - `ledger_transfers_by_credit` no longer takes transfers to the platform's revenue
 *   account, which every charge is: statements read it for organizations' accounts only.
 *
 * The literal is the revenue account's id, as `ledger-account.ts` defines it; a migration
 * must keep the value it was written with.
 */
export function chargesInFewerIndexes(_dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('ledger_transfers_by_charge').execute();
      await db.schema.dropIndex('ledger_transfers_by_debit').execute();
      await db.schema
        .createIndex('ledger_transfers_by_debit')
        .on('ledger_transfers')
        .columns(['debit_account_id', 'created_at'])
        .execute();
      await db.schema.dropIndex('ledger_transfers_by_credit').execute();
      await db.schema
        .createIndex('ledger_transfers_by_credit')
        .on('ledger_transfers')
        .columns(['credit_account_id', 'seq'])
        .where(sql.ref('credit_account_id'), '<>', sql.lit('revenue'))
        .execute();
    },
  };
}
