import type { ReceiptFacts } from '../audit/index.js';
import type { UsageRecord } from '../metering/index.js';
import type { Settlement } from './settle-request.js';

/**
 * What a request's receipt says beyond its usage record: the digests of what was
 * exchanged, the engine and the site's accelerators as routed, and what the ledger
 * charges for it (null when it ran unmetered). No deployment records a hash of its
 * model's weights yet, so `modelSha256` stays null.
 */
export function receiptFacts(record: UsageRecord, { request, routed, site }: Settlement): ReceiptFacts {
  return {
    requestSha256: request.digest.requestSha256,
    responseSha256: request.digest.responseSha256(),
    engineKind: routed?.deployment.kind ?? null,
    modelSha256: null,
    accelerators: site?.accelerators ?? [],
    creditsChargedMicro: record.creditsChargedMicro,
  };
}
