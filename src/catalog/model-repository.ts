import { definedColumns, insertUnique, nowIso, type Page, type PageRequest, type Store, toPage } from '../store/index.js';
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

export class ModelRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async create(input: ModelInput): Promise<Model> {
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
    await insertUnique(this.#store, 'a model', row.id, () => this.#store.db.insertInto('models').values(row).execute());
    return toModel(row);
  }

  async find(id: string): Promise<Model | undefined> {
    const row = await this.#store.db.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toModel(row);
  }

  async list(page: PageRequest): Promise<Page<Model>> {
    let query = this.#store.db.selectFrom('models').selectAll().orderBy('id').limit(page.limit + 1);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    return toPage((await query.execute()).map(toModel), page.limit);
  }

  async listAll(): Promise<readonly Model[]> {
    return (await this.#store.db.selectFrom('models').selectAll().orderBy('id').execute()).map(toModel);
  }

  async update(id: string, patch: ModelPatch): Promise<Model | undefined> {
    await this.#store.db.updateTable('models').set({ ...definedColumns(patch, ['tags']), updatedAt: nowIso() }).where('id', '=', id).execute();
    return this.find(id);
  }

  async delete(id: string): Promise<boolean> {
    return this.#store.db.transaction().execute(async (tx) => {
      await refuseWhileDeployed(tx, 'modelId', id, `model "${id}"`);
      return (await tx.deleteFrom('models').where('id', '=', id).executeTakeFirst()).numDeletedRows > 0n;
    });
  }
}
