import { CommonwealError } from '../errors/index.js';
import type { Kysely } from 'kysely';
import {
  type Database,
  definedColumns,
  insertUnique,
  newRecordId,
  nowIso,
  type Page,
  type PageRequest,
  type RecordUpdate,
  type Store,
  toPage,
  type WriteTransaction,
} from '../store/index.js';
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

/**
 * Organizations in the store. Changes are written in the caller's transaction, so that
 * their log leaf commits with them.
 */
export class OrganizationRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async create(tx: WriteTransaction, input: OrganizationInput): Promise<Organization> {
    const now = nowIso();
    const id = input.id ?? newRecordId('org');
    const row = { id, name: input.name, homeJurisdiction: input.homeJurisdiction, createdAt: now, updatedAt: now };
    const insert = () => tx.db.insertInto('organizations').values(row).execute();
    await insertUnique(this.#store, 'an organization', row.id, insert);
    return toOrganization(row);
  }

  async find(id: string, db: Kysely<Database> = this.#store.db): Promise<Organization | undefined> {
    const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toOrganization(row);
  }

  /** Lists organizations; `onlyId` narrows the list to one, for a caller that may see only its own. */
  async list(page: PageRequest, onlyId?: string): Promise<Page<Organization>> {
    let query = this.#store.db
      .selectFrom('organizations')
      .selectAll()
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    if (onlyId !== undefined) query = query.where('id', '=', onlyId);
    return toPage((await query.execute()).map(toOrganization), page.limit);
  }

  /** Every organization, for the in-memory tables that policy decisions read. */
  async listAll(): Promise<readonly Organization[]> {
    return (await this.#store.db.selectFrom('organizations').selectAll().orderBy('id').execute()).map(toOrganization);
  }

  /** Undefined when there is no such organization. */
  async update(
    tx: WriteTransaction,
    id: string,
    patch: OrganizationPatch,
  ): Promise<RecordUpdate<Organization> | undefined> {
    const before = await this.find(id, tx.db);
    if (before === undefined) return undefined;
    const columns = { ...definedColumns(patch), updatedAt: nowIso() };
    await tx.db.updateTable('organizations').set(columns).where('id', '=', id).execute();
    return { before, after: (await this.find(id, tx.db))! };
  }

  /**
   * Deletes an empty organization: one that still has projects or keys is refused, so
   * nothing is orphaned. The organization as it was; undefined when there was none.
   */
  async delete(tx: WriteTransaction, id: string): Promise<Organization | undefined> {
    const before = await this.find(id, tx.db);
    if (before === undefined) return undefined;
    const projects = tx.db.selectFrom('projects').select('id').where('organizationId', '=', id);
    const project = await projects.limit(1).executeTakeFirst();
    if (project) throw new CommonwealError('conflict', `organization "${id}" still has projects; delete them first`);
    await this.#refuseActiveKeys(tx.db, id);
    await tx.db.deleteFrom('apiKeys').where('organizationId', '=', id).execute();
    await tx.db.deleteFrom('organizations').where('id', '=', id).execute();
    return before;
  }

  async #refuseActiveKeys(tx: Pick<Store['db'], 'selectFrom'>, organizationId: string): Promise<void> {
    const active = await tx
      .selectFrom('apiKeys')
      .select('id')
      .where('organizationId', '=', organizationId)
      .where('revokedAt', 'is', null)
      .limit(1)
      .executeTakeFirst();
    if (active)
      throw new CommonwealError(
        'conflict',
        `organization "${organizationId}" still has active keys; revoke them first`,
      );
  }
}
