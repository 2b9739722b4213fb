import type { Kysely } from 'kysely';
import { CommonwealError } from '../errors/index.js';
import type { Database } from '../store/index.js';

/** Refuses to delete a model or site that a deployment still serves, so routing never points at nothing. */
export async function refuseWhileDeployed(
  tx: Kysely<Database>,
  column: 'modelId' | 'siteId',
  id: string,
  what: string,
): Promise<void> {
  const deployment = await tx.selectFrom('deployments').select('id').where(column, '=', id).limit(1).executeTakeFirst();
  if (deployment) {
    throw new CommonwealError(
      'conflict',
      `${what} is still used by deployment "${deployment.id}"; delete its deployments first`,
    );
  }
}
