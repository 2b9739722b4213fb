import type { AdminChangeJob, AdminChanges } from '../audit/index.js';
import type { ReplicaConfigSync } from './replica-config-sync.js';

/**
 * Admin changes for replicas sharing PostgreSQL: a change resolves once it is durable and
 * every replica with a running lease has loaded it, so that a caller who narrowed a
 * policy knows no replica routes by the wider one any more.
 */
export class ConfirmedAdminChanges implements AdminChanges {
  readonly #changes: AdminChanges;
  readonly #sync: ReplicaConfigSync;

  constructor(changes: AdminChanges, sync: ReplicaConfigSync) {
    this.#changes = changes;
    this.#sync = sync;
  }

  async commit<T>(job: AdminChangeJob<T>): Promise<T> {
    const result = await this.#changes.commit(job);
    await this.#sync.awaitConfirmed();
    return result;
  }
}
