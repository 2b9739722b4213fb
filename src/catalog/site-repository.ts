import type { Kysely } from 'kysely';
import {
  type Database,
  definedColumns,
  insertUnique,
  nowIso,
  type Page,
  type PageRequest,
  type RecordUpdate,
  type Store,
  toPage,
  type WriteTransaction,
} from '../store/index.js';
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

/** Sites in the store. Changes are written in the caller's transaction, so that their leaf commits with them. */
export class SiteRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async create(tx: WriteTransaction, input: SiteInput): Promise<Site> {
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
    await insertUnique(this.#store, 'a site', row.id, () => tx.db.insertInto('sites').values(row).execute());
    return toSite(row);
  }

  async find(id: string, db: Kysely<Database> = this.#store.db): Promise<Site | undefined> {
    const row = await db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSite(row);
  }

  async list(page: PageRequest): Promise<Page<Site>> {
    let query = this.#store.db
      .selectFrom('sites')
      .selectAll()
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    return toPage((await query.execute()).map(toSite), page.limit);
  }

  async listAll(): Promise<readonly Site[]> {
    return (await this.#store.db.selectFrom('sites').selectAll().orderBy('id').execute()).map(toSite);
  }

  /** Undefined when there is no such site. */
  async update(tx: WriteTransaction, id: string, patch: SitePatch): Promise<RecordUpdate<Site> | undefined> {
    const before = await this.find(id, tx.db);
    if (before === undefined) return undefined;
    const columns = { ...definedColumns(patch, ['accelerators']), updatedAt: nowIso() };
    await tx.db.updateTable('sites').set(columns).where('id', '=', id).execute();
    return { before, after: (await this.find(id, tx.db))! };
  }

  /** The site as it was; undefined when there was none. */
  async delete(tx: WriteTransaction, id: string): Promise<Site | undefined> {
    const before = await this.find(id, tx.db);
    if (before === undefined) return undefined;
    await refuseWhileDeployed(tx.db, 'siteId', id, `site "${id}"`);
    await tx.db.deleteFrom('sites').where('id', '=', id).execute();
    return before;
  }
}
