import type { RecordUpdate, Store, WriteTransaction } from '../store/index.js';
import { type RateLimitRule, rateLimitRuleId, type RateLimitScope, toRateLimitRule } from './rate-limit-rule.js';

/** A change to one rule: a number sets that limit, null removes it, undefined keeps it as it is. */
export interface RateLimitInput {
  readonly scope: RateLimitScope;
  readonly scopeId: string;
  readonly requestsPerMinute?: number | null | undefined;
  readonly tokensPerMinute?: number | null | undefined;
}

/**
 * The rate limit rules, stored in their table and held in memory for the hot path.
 * Rules change rarely, so each change replaces the in-memory table whole.
 */
export class RateLimits {
  readonly #store: Store;
  #byScope: ReadonlyMap<string, RateLimitRule> = new Map();

  private constructor(store: Store) {
    this.#store = store;
  }

  static async open(store: Store): Promise<RateLimits> {
    const limits = new RateLimits(store);
    await limits.reload();
    return limits;
  }

  /** The rule of a project, keyed by organization because project ids are per organization. */
  forProject(organizationId: string, projectId: string): RateLimitRule | undefined {
    return this.#byScope.get(`${organizationId}/${rateLimitRuleId('project', projectId)}`);
  }

  forKey(organizationId: string, keyId: string): RateLimitRule | undefined {
    return this.#byScope.get(`${organizationId}/${rateLimitRuleId('key', keyId)}`);
  }

  get empty(): boolean {
    return this.#byScope.size === 0;
  }

  async list(organizationId: string): Promise<RateLimitRule[]> {
    const rows = await this.#store.db
      .selectFrom('rateLimits')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .orderBy('id')
      .execute();
    return rows.map(toRateLimitRule);
  }

  /**
   * Changes the limits a rule names and keeps the others, in one upsert so that two
   * changes of different limits at once both hold; a rule left with no limit is removed.
   * Written in `tx`, so that the change's log leaf commits with it; the rule as it was and
   * as it is, null where there is none. The hot path sees it after `reload`.
   */
  async set(
    tx: WriteTransaction,
    organizationId: string,
    input: RateLimitInput,
  ): Promise<RecordUpdate<RateLimitRule | null>> {
    const id = rateLimitRuleId(input.scope, input.scopeId);
    const { requestsPerMinute, tokensPerMinute } = input;
    const changed = {
      ...(requestsPerMinute === undefined ? {} : { requestsPerMinute }),
      ...(tokensPerMinute === undefined ? {} : { tokensPerMinute }),
      updatedAt: new Date().toISOString(),
    };
    const find = async () => {
      const row = await tx.db
        .selectFrom('rateLimits')
        .selectAll()
        .where('organizationId', '=', organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? null : toRateLimitRule(row);
    };
    const before = await find();
    const { scope, scopeId } = input;
    await tx.db
      .insertInto('rateLimits')
      .values({ id, organizationId, scope, scopeId, requestsPerMinute: null, tokensPerMinute: null, ...changed })
      .onConflict((oc) => oc.columns(['organizationId', 'id']).doUpdateSet(changed))
      .execute();
    await tx.db
      .deleteFrom('rateLimits')
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .where('requestsPerMinute', 'is', null)
      .where('tokensPerMinute', 'is', null)
      .execute();
    return { before, after: await find() };
  }

  /** Reads every rule again, once a change has committed. */
  async reload(): Promise<void> {
    const rows = await this.#store.db.selectFrom('rateLimits').selectAll().execute();
    this.#byScope = new Map(rows.map((row) => [`${row.organizationId}/${row.id}`, toRateLimitRule(row)]));
  }
}
