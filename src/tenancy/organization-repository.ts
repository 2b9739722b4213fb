import { CommonwealError } from '../errors/index.js';
import { definedColumns, insertUnique, newRecordId, nowIso, type Page, type PageRequest, type Store, toPage } from '../store/index.js';
import { type Organization, toOrganization } from './organization.js';

export interface OrganizationInput {
  readonly id?: string | undefined;
  readonly name: string;
  readonly homeJurisdiction: string;
}

export interface OrganizationPatch {
  readonly name?: string | undefined;
  readonly homeJurisdiction?: string | undefined;
}

export class OrganizationRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async create(input: OrganizationInput): Promise<Organization> {
    const now = nowIso();
    const row = { id: input.id ?? newRecordId('org'), name: input.name, homeJurisdiction: input.homeJurisdiction, createdAt: now, updatedAt: now };
    await insertUnique(this.#store, 'an organization', row.id, () => this.#store.db.insertInto('organizations').values(row).execute());
    return toOrganization(row);
  }

  async find(id: string): Promise<Organization | undefined> {
    const row = await this.#store.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toOrganization(row);
  }

  /** Lists organizations; `onlyId` narrows the list to one, for a caller that may see only its own. */
  async list(page: PageRequest, onlyId?: string): Promise<Page<Organization>> {
    let query = this.#store.db.selectFrom('organizations').selectAll().orderBy('id').limit(page.limit + 1);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    if (onlyId !== undefined) query = query.where('id', '=', onlyId);
    return toPage((await query.execute()).map(toOrganization), page.limit);
  }

  /** Every organization, for the in-memory tables that policy decisions read. */
  async listAll(): Promise<readonly Organization[]> {
    return (await this.#store.db.selectFrom('organizations').selectAll().orderBy('id').execute()).map(toOrganization);
  }

  async update(id: string, patch: OrganizationPatch): Promise<Organization | undefined> {
    await this.#store.db.updateTable('organizations').set({ ...definedColumns(patch), updatedAt: nowIso() }).where('id', '=', id).execute();
    return this.find(id);
  }

  /** Deletes an empty organization: one that still has projects or keys is refused, so nothing is orphaned. */
  async delete(id: string): Promise<boolean> {
    return this.#store.db.transaction().execute(async (tx) => {
      const project = await tx.selectFrom('projects').select('id').where('organizationId', '=', id).limit(1).executeTakeFirst();
      if (project) throw new CommonwealError('conflict', `organization "${id}" still has projects; delete them first`);
      await this.#refuseActiveKeys(tx, id);
      await tx.deleteFrom('apiKeys').where('organizationId', '=', id).execute();
      const result = await tx.deleteFrom('organizations').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  async #refuseActiveKeys(tx: Pick<Store['db'], 'selectFrom'>, organizationId: string): Promise<void> {
    const active = await tx
      .selectFrom('apiKeys')
      .select('id')
      .where('organizationId', '=', organizationId)
      .where('revokedAt', 'is', null)
      .limit(1)
      .executeTakeFirst();
    if (active) throw new CommonwealError('conflict', `organization "${organizationId}" still has active keys; revoke them first`);
  }
}
