import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';

/**
 * Deployments of kind `embedded`: the GGUF file the engine loads (an absolute path or
 * `hf:<user>/<repo>/<file>.gguf`) and its engine options as JSON text (context size,
 * GPU layers, parallel sequences, threads). Both stay null for `openai` deployments,
 * which need no data migration. The types are spelled the same on both dialects.
 */
export function embeddedDeployments(_dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('deployments').addColumn('source', 'varchar(2048)').execute();
      await db.schema.alterTable('deployments').addColumn('engine_options', 'text').execute();
    },
  };
}
