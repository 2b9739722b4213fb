import { CommonwealError } from '../errors/index.js';
import type { SecretBox } from '../secrets/index.js';
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

/**
 * Deployments in the store. Changes are written in the caller's transaction, so that
 * their log leaf commits with them.
 */
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
    if (upstreamApiKey !== undefined)
      columns.upstreamApiKeySealed = upstreamApiKey === null ? null : this.#secretBox.seal(upstreamApiKey);
    if (enabled !== undefined) columns.enabled = enabled ? 1 : 0;
    return columns;
  }

  async create(tx: WriteTransaction, input: DeploymentInput): Promise<Deployment> {
    await this.#refuseMissingReference(tx.db, input);
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
    const insert = () => tx.db.insertInto('deployments').values(row).execute();
    await insertUnique(this.#store, 'a deployment', row.id, insert);
    return toDeployment(row);
  }

  /**
   * Checked before the insert rather than read from its foreign-key failure: on PostgreSQL
   * a failed statement aborts the transaction, which then answers no further query.
   */
  async #refuseMissingReference(db: Kysely<Database>, input: DeploymentInput): Promise<void> {
    const model = await db.selectFrom('models').select('id').where('id', '=', input.modelId).executeTakeFirst();
    if (!model) {
      throw new CommonwealError('invalid_request', `model "${input.modelId}" does not exist`, { param: 'modelId' });
    }
    const site = await db.selectFrom('sites').select('id').where('id', '=', input.siteId).executeTakeFirst();
    if (!site) {
      throw new CommonwealError('invalid_request', `site "${input.siteId}" does not exist`, { param: 'siteId' });
    }
  }

  async find(id: string, db: Kysely<Database> = this.#store.db): Promise<Deployment | undefined> {
    const row = await db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDeployment(row);
  }

  async list(
    page: PageRequest,
    filter: { modelId?: string | undefined; siteId?: string | undefined } = {},
  ): Promise<Page<Deployment>> {
    let query = this.#store.db
      .selectFrom('deployments')
      .selectAll()
      .orderBy('id')
      .limit(page.limit + 1);
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

  /** Undefined when there is no such deployment. */
  async update(
    tx: WriteTransaction,
    id: string,
    patch: DeploymentPatch,
  ): Promise<RecordUpdate<Deployment> | undefined> {
    const before = await this.find(id, tx.db);
    if (before === undefined) return undefined;
    const columns = { ...this.#toColumns(patch), updatedAt: nowIso() };
    await tx.db.updateTable('deployments').set(columns).where('id', '=', id).execute();
    return { before, after: (await this.find(id, tx.db))! };
  }

  /** The deployment as it was; undefined when there was none. */
  async delete(tx: WriteTransaction, id: string): Promise<Deployment | undefined> {
    const before = await this.find(id, tx.db);
    if (before === undefined) return undefined;
    await tx.db.deleteFrom('deployments').where('id', '=', id).execute();
    return before;
  }
}
