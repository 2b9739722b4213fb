import { definedColumns, insertUnique, nowIso, type Page, type PageRequest, type Store, toPage } from '../store/index.js';
import { refuseWhileDeployed } from './refuse-while-deployed.js';
import { type Accelerator, type Site, toSite } from './site.js';

export interface SiteInput {
  readonly id: string;
  readonly name: string;
  readonly jurisdiction: string;
  readonly region?: string | null | undefined;
  readonly city?: string | null | undefined;
  readonly accelerators?: readonly Accelerator[] | undefined;
  readonly powerKw?: number | null | undefined;
}

export type SitePatch = Partial<Omit<SiteInput, 'id'>>;

export class SiteRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async create(input: SiteInput): Promise<Site> {
    const now = nowIso();
    const row = {
      id: input.id,
      name: input.name,
      jurisdiction: input.jurisdiction,
      region: input.region ?? null,
      city: input.city ?? null,
      accelerators: JSON.stringify(input.accelerators ?? []),
      powerKw: input.powerKw ?? null,
      createdAt: now,
      updatedAt: now,
    };
    await insertUnique(this.#store, 'a site', row.id, () => this.#store.db.insertInto('sites').values(row).execute());
    return toSite(row);
  }

  async find(id: string): Promise<Site | undefined> {
    const row = await this.#store.db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSite(row);
  }

  async list(page: PageRequest): Promise<Page<Site>> {
    let query = this.#store.db.selectFrom('sites').selectAll().orderBy('id').limit(page.limit + 1);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    return toPage((await query.execute()).map(toSite), page.limit);
  }

  async listAll(): Promise<readonly Site[]> {
    return (await this.#store.db.selectFrom('sites').selectAll().orderBy('id').execute()).map(toSite);
  }

  async update(id: string, patch: SitePatch): Promise<Site | undefined> {
    await this.#store.db.updateTable('sites').set({ ...definedColumns(patch, ['accelerators']), updatedAt: nowIso() }).where('id', '=', id).execute();
    return this.find(id);
  }

  async delete(id: string): Promise<boolean> {
    return this.#store.db.transaction().execute(async (tx) => {
      await refuseWhileDeployed(tx, 'siteId', id, `site "${id}"`);
      return (await tx.deleteFrom('sites').where('id', '=', id).executeTakeFirst()).numDeletedRows > 0n;
    });
  }
}
