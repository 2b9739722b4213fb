import type { ServerResponse } from 'node:http';
import { CommonwealError } from '../errors/index.js';
import type { Budgets, CreditHold, Ledger } from '../ledger/index.js';
import { tokenCostMicro } from '../ledger/index.js';
import {
  type RateLimitCheck,
  type RateLimiter,
  type RateLimitRule,
  rateLimitHeaders,
  type RateLimits,
} from '../limits/index.js';
import type { InferenceRequest } from './inference-request.js';
import { requestTokenBound } from './request-cost-bound.js';

export type BillingMode = 'on' | 'off';

export interface AdmissionDeps {
  readonly ledger: Ledger;
  readonly budgets: Budgets;
  readonly rateLimits: RateLimits;
  readonly limiter: RateLimiter;
  /** `off` lets organizations without a balance account run unmetered; `on` refuses them. */
  readonly billing: BillingMode;
  /** The completion bound for a model of unknown context length and a request without max_tokens. */
  readonly completionTokensDefaultMax: number;
}

const minuteMs = 60_000;

/**
 * What a request must pass before any model sees it: the rate limits of its key and
 * project (429), then a credit hold for its maximum cost within its budgets (402).
 * Everything is checked in memory, but for what replicas share: rate limits in Redis,
 * holds in PostgreSQL. The hold is the request's to end.
 */
export class Admission {
  readonly #deps: AdmissionDeps;

  constructor(deps: AdmissionDeps) {
    this.#deps = deps;
  }

  async admit(request: InferenceRequest, res: ServerResponse): Promise<CreditHold | null> {
    const bound = requestTokenBound(request, this.#deps.completionTokensDefaultMax);
    if (!this.#deps.rateLimits.empty) await this.#rateLimit(request, bound.rateLimitTokens, res);
    return this.#hold(request, bound.promptTokensMax, bound.completionTokensMax);
  }

  /**
   * The hold of a request refused before admission (by policy), so that its usage record
   * is settled as every other one is: a charge of nothing, in the same transaction.
   */
  holdNothing(request: InferenceRequest): CreditHold | null {
    const { organizationId, projectId, keyId } = request.caller;
    if (!this.#deps.ledger.hasAccounts(organizationId)) return null;
    return this.#deps.ledger.holdNothing(
      { organizationId, projectId, apiKeyId: keyId, modelId: request.model.id },
      request.model,
    );
  }

  async #rateLimit(request: InferenceRequest, tokens: number, res: ServerResponse): Promise<void> {
    const { organizationId, projectId, keyId } = request.caller;
    const checks = [
      ...checksOf(this.#deps.rateLimits.forKey(organizationId, keyId), tokens),
      ...checksOf(this.#deps.rateLimits.forProject(organizationId, projectId), tokens),
    ];
    if (checks.length === 0) return;
    const decision = await this.#deps.limiter.check(checks, Date.now());
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) {
      const refused = decision.results.find((r) => !r.allowed)!;
      const what = refused.check.key.includes('/key:') ? 'this API key' : 'this project';
      throw new CommonwealError(
        'rate_limit_exceeded',
        `rate limit reached for ${what}: ${refused.check.rule.limit} ${refused.check.dimension} per minute`,
        { headers },
      );
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  }

  async #hold(
    request: InferenceRequest,
    promptTokensMax: number,
    completionTokensMax: number,
  ): Promise<CreditHold | null> {
    const { ledger, budgets } = this.#deps;
    const { organizationId, projectId, keyId } = request.caller;
    if (!ledger.hasAccounts(organizationId)) {
      if (this.#deps.billing === 'off') return null;
      throw new CommonwealError(
        'insufficient_credits',
        `organization "${organizationId}" has no credits account; the operator adds credits with "commonweal credits add"`,
      );
    }
    const maxCostMicro = tokenCostMicro(request.model, promptTokensMax, completionTokensMax);
    const subject = { organizationId, projectId, apiKeyId: keyId, modelId: request.model.id };
    const reservation = budgets.reserve(subject, maxCostMicro);
    try {
      return await ledger.hold(subject, maxCostMicro, request.model, reservation);
    } catch (error) {
      reservation?.release();
      throw error;
    }
  }
}

function checksOf(rule: RateLimitRule | undefined, tokens: number): RateLimitCheck[] {
  if (rule === undefined) return [];
  const checks: RateLimitCheck[] = [];
  if (rule.requestsPerMinute !== null) {
    checks.push({
      key: `${rule.organizationId}/${rule.id}:requests`,
      dimension: 'requests',
      rule: { limit: rule.requestsPerMinute, periodMs: minuteMs },
      cost: 1,
    });
  }
  if (rule.tokensPerMinute !== null) {
    checks.push({
      key: `${rule.organizationId}/${rule.id}:tokens`,
      dimension: 'tokens',
      rule: { limit: rule.tokensPerMinute, periodMs: minuteMs },
      cost: tokens,
    });
  }
  return checks;
}
