import type { Kysely } from 'kysely';
import {
  type Database,
  newRecordId,
  nowIso,
  type Page,
  type PageRequest,
  type RecordUpdate,
  type Store,
  toPage,
  type WriteTransaction,
} from '../store/index.js';
import { type ApiKey, type ApiKeyRole, toApiKey } from './api-key.js';
import { newApiKeySecret } from './api-key-secret.js';

export interface ApiKeyInput {
  readonly role: ApiKeyRole;
  /** Required for `project` keys, absent for `org_admin` keys. */
  readonly projectId: string | null;
  readonly name?: string | undefined;
  readonly expiresAt?: string | undefined;
}

/** A key as created: the only moment its secret exists outside the client. */
export interface CreatedApiKey extends ApiKey {
  readonly secret: string;
}

/** API keys in the store. Changes are written in the caller's transaction, so that their leaf commits with them. */
export class ApiKeyRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async create(tx: WriteTransaction, organizationId: string, input: ApiKeyInput): Promise<CreatedApiKey> {
    const { secret, prefix, hash } = newApiKeySecret();
    const row = {
      id: newRecordId('key'),
      organizationId,
      projectId: input.projectId,
      role: input.role,
      name: input.name ?? null,
      prefix,
      secretHash: hash,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      createdAt: nowIso(),
    };
    await tx.db.insertInto('apiKeys').values(row).execute();
    return { ...toApiKey(row), secret };
  }

  async find(organizationId: string, id: string, db: Kysely<Database> = this.#store.db): Promise<ApiKey | undefined> {
    const row = await db
      .selectFrom('apiKeys')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toApiKey(row);
  }

  async findBySecretHash(hash: string): Promise<ApiKey | undefined> {
    const row = await this.#store.db
      .selectFrom('apiKeys')
      .selectAll()
      .where('secretHash', '=', hash)
      .executeTakeFirst();
    return row && toApiKey(row);
  }

  /** Every key in the store with its hash, for the gateway's in-memory key table. */
  async listAllWithHashes(): Promise<readonly { readonly key: ApiKey; readonly secretHash: string }[]> {
    const rows = await this.#store.db.selectFrom('apiKeys').selectAll().execute();
    return rows.map((row) => ({ key: toApiKey(row), secretHash: row.secretHash }));
  }

  async list(organizationId: string, page: PageRequest, projectId?: string): Promise<Page<ApiKey>> {
    let query = this.#store.db
      .selectFrom('apiKeys')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    if (projectId !== undefined) query = query.where('projectId', '=', projectId);
    return toPage((await query.execute()).map(toApiKey), page.limit);
  }

  /**
   * Revocation is permanent and keeps the record, so usage stays attributable to the key.
   * Revoking a revoked key changes nothing; undefined when there is no such key.
   */
  async revoke(tx: WriteTransaction, organizationId: string, id: string): Promise<RecordUpdate<ApiKey> | undefined> {
    const before = await this.find(organizationId, id, tx.db);
    if (before === undefined) return undefined;
    await tx.db
      .updateTable('apiKeys')
      .set({ revokedAt: nowIso() })
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .where('revokedAt', 'is', null)
      .execute();
    return { before, after: (await this.find(organizationId, id, tx.db))! };
  }
}
