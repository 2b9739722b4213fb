import type { UsageRecord } from '../metering/index.js';

/** Bumped whenever a field is added, removed or changes meaning; verifiers check it. */
export const receiptVersion = 1;
export const receiptType = 'commonweal.receipt';

/** An accelerator of the site that served the request, without its count. */
export interface ReceiptAccelerator {
  readonly vendor: string;
  readonly type: string;
}

/** What a receipt says beyond the usage record: known to the gateway, not to metering. */
export interface ReceiptFacts {
  /** Hex SHA-256 of the request body exactly as the client sent it. */
  readonly requestSha256: string;
  /** Hex SHA-256 of the answer's body bytes as relayed to the client; null when no model server content was relayed. */
  readonly responseSha256: string | null;
  /** The engine that reached the model server, e.g. `openai`; null when no deployment was reached. */
  readonly engineKind: string | null;
  /** Hex SHA-256 of the deployment's model weights where it is known. */
  readonly modelSha256: string | null;
  readonly accelerators: readonly ReceiptAccelerator[];
  /** What the ledger charged, once a ledger posting reports it. */
  readonly creditsChargedMicro: number | null;
}

/**
 * The receipt of one request through the gateway, version 1: a leaf of the
 * transparency log as the canonical JSON of this object. Its id is the request id the
 * client saw in `x-commonweal-receipt` and `x-request-id`.
 */
export interface Receipt extends ReceiptFacts {
  readonly type: typeof receiptType;
  readonly version: typeof receiptVersion;
  readonly id: string;
  readonly createdAt: string;
  readonly organizationId: string;
  readonly projectId: string;
  readonly endpoint: string;
  readonly modelId: string;
  readonly deploymentId: string | null;
  readonly siteId: string | null;
  readonly jurisdiction: string | null;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  readonly usageEstimated: boolean;
  /** The version of the policy that decided where the request could go, as its usage record has it. */
  readonly policyVersion: number | null;
  readonly streamed: boolean;
  readonly status: number;
  readonly outcome: string;
  readonly errorCode: string | null;
}

/**
 * The receipt of a metered request: every field comes from its usage record or from `facts`.
 * Its keys, and its accelerators' keys, are written in canonical (sorted) order, which
 * `receiptText` relies on.
 */
export function toReceipt(record: UsageRecord, facts: ReceiptFacts): Receipt {
  return {
    accelerators: facts.accelerators.map(({ vendor, type }) => ({ type, vendor })),
    completionTokens: record.completionTokens,
    createdAt: record.createdAt,
    creditsChargedMicro: facts.creditsChargedMicro,
    deploymentId: record.deploymentId,
    endpoint: record.endpoint,
    engineKind: facts.engineKind,
    errorCode: record.errorCode,
    id: record.id,
    jurisdiction: record.jurisdiction,
    modelId: record.modelId,
    modelSha256: facts.modelSha256,
    organizationId: record.organizationId,
    outcome: record.outcome,
    policyVersion: record.policyVersion,
    projectId: record.projectId,
    promptTokens: record.promptTokens,
    requestSha256: facts.requestSha256,
    responseSha256: facts.responseSha256,
    siteId: record.siteId,
    status: record.status,
    streamed: record.streamed,
    totalTokens: record.totalTokens,
    type: receiptType,
    usageEstimated: record.usageEstimated,
    version: receiptVersion,
  };
}

/**
 * The leaf text of a receipt from `toReceipt`: its canonical JSON. Its keys come in sorted
 * order and its values are strings, counts, booleans and nulls, so JSON.stringify already
 * writes canonicalJson's bytes, without canonicalJson's walk to check that they would be:
 * once per request, that walk cost as much as the writing. A test holds the two equal.
 */
export function receiptText(receipt: Receipt): string {
  return JSON.stringify(receipt);
}
