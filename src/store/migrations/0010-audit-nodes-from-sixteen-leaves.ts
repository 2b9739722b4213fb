import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Keeps only the hashes of perfect subtrees of 16 leaves and more (level 4 up) in
 * `audit_nodes`. The log computes the hashes below from the leaves when a root or a
 * proof needs them, so an append writes a node row every 8 leaves on average instead of
 * 2 rows per leaf. The level is written here as a number, not imported: a migration
 * must do the same thing whenever it runs.
 */
export function auditNodesFromSixteenLeaves(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`delete from audit_nodes where level < 4`.execute(db);
    },
  };
}
