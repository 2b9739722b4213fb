import type { Selectable } from 'kysely';
import type { RateLimitsTable } from '../store/index.js';

export const rateLimitScopes = ['project', 'key'] as const;
export type RateLimitScope = (typeof rateLimitScopes)[number];

/** Requests and tokens per minute for one project or one key of an organization; null means unlimited. */
export interface RateLimitRule {
  readonly object: 'rate_limit';
  /** `project:<projectId>` or `key:<keyId>`. */
  readonly id: string;
  readonly organizationId: string;
  readonly scope: RateLimitScope;
  readonly scopeId: string;
  readonly requestsPerMinute: number | null;
  readonly tokensPerMinute: number | null;
  readonly updatedAt: string;
}

export function rateLimitRuleId(scope: RateLimitScope, scopeId: string): string {
  return `${scope}:${scopeId}`;
}

export function toRateLimitRule(row: Selectable<RateLimitsTable>): RateLimitRule {
  return { object: 'rate_limit', ...row, scope: row.scope as RateLimitScope };
}
