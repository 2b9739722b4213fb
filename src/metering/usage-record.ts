import type { Selectable } from 'kysely';
import type { UsageRecordsTable } from '../store/index.js';

export const usageEndpoints = ['chat.completions', 'embeddings'] as const;
export type UsageEndpoint = (typeof usageEndpoints)[number];

/**
 * How a request ended: `client_aborted` when the client went away mid-answer,
 * `upstream_error` when the model server failed, `rejected` when Commonweal refused it
 * (policy, limits, credits) before any model server saw it.
 */
export const usageOutcomes = ['success', 'client_aborted', 'upstream_error', 'rejected'] as const;
export type UsageOutcome = (typeof usageOutcomes)[number];

/** Token counts of one request, as its model server reported them or as estimated. */
export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  /** True when the model server reported no usage and the counts come from `estimateUsage`. */
  readonly usageEstimated: boolean;
}

/** What one request through the gateway used and how it ended: the unit of metering. */
export interface UsageRecord extends TokenUsage {
  readonly object: 'usage_record';
  /** The request id, which the client also sees. */
  readonly id: string;
  /** When the request finished and was metered; it started `totalMs` earlier. */
  readonly createdAt: string;
  readonly organizationId: string;
  readonly projectId: string;
  readonly apiKeyId: string;
  readonly modelId: string;
  readonly endpoint: UsageEndpoint;
  /** Null when no deployment was reached, as for a rejected request. */
  readonly deploymentId: string | null;
  readonly siteId: string | null;
  /** The ISO 3166 code of the site that processed the request. */
  readonly jurisdiction: string | null;
  readonly firstByteMs: number | null;
  readonly totalMs: number;
  /** The HTTP status the client received. */
  readonly status: number;
  readonly outcome: UsageOutcome;
  readonly errorCode: string | null;
  readonly streamed: boolean;
  /** The policy version that decided where the request could go; null when no policy decided it. */
  readonly policyVersion: number | null;
  /** The request's tokens at its model's prices; null when it ran unmetered (no credits account, billing off). */
  readonly creditsPricedMicro: number | null;
  /** What its organization was charged: the priced cost, never more than its hold. */
  readonly creditsChargedMicro: number | null;
  /** What the platform wrote off because the model server reported more than was held: priced less charged. */
  readonly creditsWrittenOffMicro: number | null;
}

/** The credit fields of a request that ran unmetered. */
export const unmetered = Object.freeze({
  creditsPricedMicro: null,
  creditsChargedMicro: null,
  creditsWrittenOffMicro: null,
} as const);

export function toUsageRecord(row: Selectable<UsageRecordsTable>): UsageRecord {
  const { seq: _internal, receiptLeaf: _receiptLeaf, ...rest } = row;
  return {
    object: 'usage_record',
    ...rest,
    endpoint: row.endpoint as UsageEndpoint,
    outcome: row.outcome as UsageOutcome,
    usageEstimated: row.usageEstimated === 1,
    streamed: row.streamed === 1,
  };
}
