import { CommonwealError } from '../errors/index.js';
import type { Kysely } from 'kysely';
import {
  type Database,
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
import { type Project, toProject } from './project.js';

export interface ProjectInput {
  readonly id?: string | undefined;
  readonly name: string;
}

/**
 * Projects are always addressed inside their organization, so one tenant cannot reach
 * another's by id. Changes are written in the caller's transaction, so that their log
 * leaf commits with them.
 */
export class ProjectRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async create(tx: WriteTransaction, organizationId: string, input: ProjectInput): Promise<Project> {
    const now = nowIso();
    const row = {
      id: input.id ?? newRecordId('proj'),
      organizationId,
      name: input.name,
      createdAt: now,
      updatedAt: now,
    };
    await insertUnique(this.#store, 'a project', row.id, () => tx.db.insertInto('projects').values(row).execute());
    return toProject(row);
  }

  async find(organizationId: string, id: string, db: Kysely<Database> = this.#store.db): Promise<Project | undefined> {
    const row = await db
      .selectFrom('projects')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toProject(row);
  }

  async list(organizationId: string, page: PageRequest): Promise<Page<Project>> {
    let query = this.#store.db
      .selectFrom('projects')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    return toPage((await query.execute()).map(toProject), page.limit);
  }

  /** Undefined when there is no such project in the organization. */
  async rename(
    tx: WriteTransaction,
    organizationId: string,
    id: string,
    name: string,
  ): Promise<RecordUpdate<Project> | undefined> {
    const before = await this.find(organizationId, id, tx.db);
    if (before === undefined) return undefined;
    await tx.db
      .updateTable('projects')
      .set({ name, updatedAt: nowIso() })
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .execute();
    return { before, after: (await this.find(organizationId, id, tx.db))! };
  }

  /**
   * Deletes a project and its revoked keys; a project with active keys is refused, since
   * clients still use it. The project as it was; undefined when there was none.
   */
  async delete(tx: WriteTransaction, organizationId: string, id: string): Promise<Project | undefined> {
    const before = await this.find(organizationId, id, tx.db);
    if (before === undefined) return undefined;
    const active = await tx.db
      .selectFrom('apiKeys')
      .select('id')
      .where('organizationId', '=', organizationId)
      .where('projectId', '=', id)
      .where('revokedAt', 'is', null)
      .limit(1)
      .executeTakeFirst();
    if (active) throw new CommonwealError('conflict', `project "${id}" still has active keys; revoke them first`);
    await tx.db
      .deleteFrom('apiKeys')
      .where('organizationId', '=', organizationId)
      .where('projectId', '=', id)
      .execute();
    await tx.db.deleteFrom('projects').where('organizationId', '=', organizationId).where('id', '=', id).execute();
    return before;
  }
}
