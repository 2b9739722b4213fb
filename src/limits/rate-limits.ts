import type { Store } from '../store/index.js';
import { type RateLimitRule, rateLimitRuleId, type RateLimitScope, toRateLimitRule } from './rate-limit-rule.js';

export interface RateLimitInput {
  readonly scope: RateLimitScope;
  readonly scopeId: string;
  readonly requestsPerMinute: number | null;
  readonly tokensPerMinute: number | null;
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
    await limits.#reload();
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
    const rows = await this.#store.db.selectFrom('rateLimits').selectAll().where('organizationId', '=', organizationId).orderBy('id').execute();
    return rows.map(toRateLimitRule);
  }

  /** Sets a rule; with both limits null the rule is removed. */
  async set(organizationId: string, input: RateLimitInput): Promise<RateLimitRule | null> {
    const id = rateLimitRuleId(input.scope, input.scopeId);
    const row = { id, organizationId, ...input, updatedAt: new Date().toISOString() };
    await this.#store.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('rateLimits').where('organizationId', '=', organizationId).where('id', '=', id).execute();
      if (input.requestsPerMinute !== null || input.tokensPerMinute !== null) await tx.insertInto('rateLimits').values(row).execute();
    });
    await this.#reload();
    return input.requestsPerMinute === null && input.tokensPerMinute === null ? null : toRateLimitRule(row);
  }

  async #reload(): Promise<void> {
    const rows = await this.#store.db.selectFrom('rateLimits').selectAll().execute();
    this.#byScope = new Map(rows.map((row) => [`${row.organizationId}/${row.id}`, toRateLimitRule(row)]));
  }
}
