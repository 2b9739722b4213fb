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
import { type Model, toModel } from './model.js';

export interface ModelInput {
  readonly id: string;
  readonly family?: string | null | undefined;
  readonly origin?: string | null | undefined;
  readonly license?: string | null | undefined;
  readonly parameterCount?: number | null | undefined;
  readonly contextLength?: number | null | undefined;
  readonly inputPriceMicroPerMtok: number;
  readonly outputPriceMicroPerMtok: number;
  readonly tags?: readonly string[] | undefined;
}

export type ModelPatch = Partial<Omit<ModelInput, 'id'>>;

/** Models in the store. Changes are written in the caller's transaction, so that their leaf commits with them. */
export class ModelRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async create(tx: WriteTransaction, input: ModelInput): Promise<Model> {
    const now = nowIso();
    const row = {
      id: input.id,
      family: input.family ?? null,
      origin: input.origin ?? null,
      license: input.license ?? null,
      parameterCount: input.parameterCount ?? null,
      contextLength: input.contextLength ?? null,
      inputPriceMicroPerMtok: input.inputPriceMicroPerMtok,
      outputPriceMicroPerMtok: input.outputPriceMicroPerMtok,
      tags: JSON.stringify(input.tags ?? []),
      createdAt: now,
      updatedAt: now,
    };
    await insertUnique(this.#store, 'a model', row.id, () => tx.db.insertInto('models').values(row).execute());
    return toModel(row);
  }

  async find(id: string, db: Kysely<Database> = this.#store.db): Promise<Model | undefined> {
    const row = await db.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toModel(row);
  }

  async list(page: PageRequest): Promise<Page<Model>> {
    let query = this.#store.db
      .selectFrom('models')
      .selectAll()
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    return toPage((await query.execute()).map(toModel), page.limit);
  }

  async listAll(): Promise<readonly Model[]> {
    return (await this.#store.db.selectFrom('models').selectAll().orderBy('id').execute()).map(toModel);
  }

  /** Undefined when there is no such model. */
  async update(tx: WriteTransaction, id: string, patch: ModelPatch): Promise<RecordUpdate<Model> | undefined> {
    const before = await this.find(id, tx.db);
    if (before === undefined) return undefined;
    const columns = { ...definedColumns(patch, ['tags']), updatedAt: nowIso() };
    await tx.db.updateTable('models').set(columns).where('id', '=', id).execute();
    return { before, after: (await this.find(id, tx.db))! };
  }

  /** The model as it was; undefined when there was none. */
  async delete(tx: WriteTransaction, id: string): Promise<Model | undefined> {
    const before = await this.find(id, tx.db);
    if (before === undefined) return undefined;
    await refuseWhileDeployed(tx.db, 'modelId', id, `model "${id}"`);
    await tx.db.deleteFrom('models').where('id', '=', id).execute();
    return before;
  }
}
