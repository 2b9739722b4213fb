import { CommonwealError } from '../errors/index.js';
import { insertUnique, newRecordId, nowIso, type Page, type PageRequest, type Store, toPage } from '../store/index.js';
import { type Project, toProject } from './project.js';

export interface ProjectInput {
  readonly id?: string | undefined;
  readonly name: string;
}

/** Projects are always addressed inside their organization, so one tenant cannot reach another's by id. */
export class ProjectRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async create(organizationId: string, input: ProjectInput): Promise<Project> {
    const now = nowIso();
    const row = { id: input.id ?? newRecordId('proj'), organizationId, name: input.name, createdAt: now, updatedAt: now };
    await insertUnique(this.#store, 'a project', row.id, () => this.#store.db.insertInto('projects').values(row).execute());
    return toProject(row);
  }

  async find(organizationId: string, id: string): Promise<Project | undefined> {
    const row = await this.#store.db
      .selectFrom('projects')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toProject(row);
  }

  async list(organizationId: string, page: PageRequest): Promise<Page<Project>> {
    let query = this.#store.db.selectFrom('projects').selectAll().where('organizationId', '=', organizationId).orderBy('id').limit(page.limit + 1);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    return toPage((await query.execute()).map(toProject), page.limit);
  }

  async rename(organizationId: string, id: string, name: string): Promise<Project | undefined> {
    await this.#store.db
      .updateTable('projects')
      .set({ name, updatedAt: nowIso() })
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .execute();
    return this.find(organizationId, id);
  }

  /** Deletes a project and its revoked keys; a project with active keys is refused, since clients still use it. */
  async delete(organizationId: string, id: string): Promise<boolean> {
    return this.#store.db.transaction().execute(async (tx) => {
      const active = await tx
        .selectFrom('apiKeys')
        .select('id')
        .where('organizationId', '=', organizationId)
        .where('projectId', '=', id)
        .where('revokedAt', 'is', null)
        .limit(1)
        .executeTakeFirst();
      if (active) throw new CommonwealError('conflict', `project "${id}" still has active keys; revoke them first`);
      await tx.deleteFrom('apiKeys').where('organizationId', '=', organizationId).where('projectId', '=', id).execute();
      const result = await tx.deleteFrom('projects').where('organizationId', '=', organizationId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }
}
