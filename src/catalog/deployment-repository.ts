import { CommonwealError } from '../errors/index.js';
import type { SecretBox } from '../secrets/index.js';
import { definedColumns, insertUnique, nowIso, type Page, type PageRequest, type Store, toPage } from '../store/index.js';
import { type Deployment, type EmbeddedEngineOptions, type EngineKind, toDeployment } from './deployment.js';

export interface DeploymentInput {
  readonly id: string;
  readonly modelId: string;
  readonly siteId: string;
  readonly kind: EngineKind;
  readonly baseUrl?: string | null | undefined;
  readonly source?: string | null | undefined;
  readonly engineOptions?: EmbeddedEngineOptions | null | undefined;
  readonly upstreamModel?: string | null | undefined;
  /** Plaintext on the way in; sealed before it reaches the database. Null clears it. */
  readonly upstreamApiKey?: string | null | undefined;
  readonly weight?: number | undefined;
  readonly enabled?: boolean | undefined;
}

export type DeploymentPatch = Partial<Omit<DeploymentInput, 'id' | 'modelId' | 'siteId' | 'kind'>>;

/** A deployment with its upstream credential opened, for the engine that calls the upstream. */
export interface DeploymentWithSecret {
  readonly deployment: Deployment;
  readonly upstreamApiKey: string | null;
}

export const deploymentWeightDefault = 100;

export class DeploymentRepository {
  readonly #store: Store;
  readonly #secretBox: SecretBox;

  constructor(store: Store, secretBox: SecretBox) {
    this.#store = store;
    this.#secretBox = secretBox;
  }

  #toColumns(patch: DeploymentPatch): Record<string, unknown> {
    const { upstreamApiKey, enabled, ...rest } = patch;
    const columns = definedColumns(rest, ['engineOptions']);
    if (upstreamApiKey !== undefined) columns.upstreamApiKeySealed = upstreamApiKey === null ? null : this.#secretBox.seal(upstreamApiKey);
    if (enabled !== undefined) columns.enabled = enabled ? 1 : 0;
    return columns;
  }

  async create(input: DeploymentInput): Promise<Deployment> {
    const now = nowIso();
    const row = {
      id: input.id,
      modelId: input.modelId,
      siteId: input.siteId,
      kind: input.kind,
      baseUrl: input.baseUrl ?? null,
      source: input.source ?? null,
      engineOptions: input.engineOptions ? JSON.stringify(input.engineOptions) : null,
      upstreamModel: input.upstreamModel ?? null,
      upstreamApiKeySealed: input.upstreamApiKey ? this.#secretBox.seal(input.upstreamApiKey) : null,
      weight: input.weight ?? deploymentWeightDefault,
      enabled: input.enabled === false ? 0 : 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await insertUnique(this.#store, 'a deployment', row.id, () => this.#store.db.insertInto('deployments').values(row).execute());
    } catch (error) {
      if (this.#store.constraintViolation(error) === 'foreign_key') throw await this.#missingReference(input);
      throw error;
    }
    return toDeployment(row);
  }

  async #missingReference(input: DeploymentInput): Promise<CommonwealError> {
    const model = await this.#store.db.selectFrom('models').select('id').where('id', '=', input.modelId).executeTakeFirst();
    return model
      ? new CommonwealError('invalid_request', `site "${input.siteId}" does not exist`, { param: 'siteId' })
      : new CommonwealError('invalid_request', `model "${input.modelId}" does not exist`, { param: 'modelId' });
  }

  async find(id: string): Promise<Deployment | undefined> {
    const row = await this.#store.db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDeployment(row);
  }

  async list(page: PageRequest, filter: { modelId?: string | undefined; siteId?: string | undefined } = {}): Promise<Page<Deployment>> {
    let query = this.#store.db.selectFrom('deployments').selectAll().orderBy('id').limit(page.limit + 1);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    if (filter.modelId !== undefined) query = query.where('modelId', '=', filter.modelId);
    if (filter.siteId !== undefined) query = query.where('siteId', '=', filter.siteId);
    return toPage((await query.execute()).map(toDeployment), page.limit);
  }

  /** Every deployment with its credential opened, for building the routing table. */
  async listAllWithSecrets(): Promise<readonly DeploymentWithSecret[]> {
    const rows = await this.#store.db.selectFrom('deployments').selectAll().orderBy('id').execute();
    return rows.map((row) => ({
      // The engine gets the base URL as stored: one with credentials is then refused and left out
      // of routing with the reason, rather than called without the credentials it was given.
      deployment: { ...toDeployment(row), baseUrl: row.baseUrl },
      upstreamApiKey: row.upstreamApiKeySealed === null ? null : this.#secretBox.open(row.upstreamApiKeySealed),
    }));
  }

  async update(id: string, patch: DeploymentPatch): Promise<Deployment | undefined> {
    await this.#store.db.updateTable('deployments').set({ ...this.#toColumns(patch), updatedAt: nowIso() }).where('id', '=', id).execute();
    return this.find(id);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.#store.db.deleteFrom('deployments').where('id', '=', id).executeTakeFirst()).numDeletedRows > 0n;
  }
}
