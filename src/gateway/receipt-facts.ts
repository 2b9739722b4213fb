import type { ReceiptFacts } from '../audit/index.js';
import type { UsageRecord } from '../metering/index.js';
import type { InferenceCatalog } from './inference-catalog.js';
import type { InferenceRequest } from './inference-request.js';

/**
 * What a request's receipt says beyond its usage record, read from the request and
 * the in-memory catalog: the digests of what was exchanged, the engine, the site's
 * accelerators. (The policy version comes with the usage record.) No deployment records a hash
 * of its model's weights yet, so `modelSha256` stays null; the credits charged join
 * the receipt once the ledger reports them with the usage record.
 */
export function receiptFacts(catalog: InferenceCatalog): (record: UsageRecord, request: InferenceRequest) => ReceiptFacts {
  return (record, request) => {
    const routed = record.deploymentId === null ? undefined : catalog.registry.get(record.deploymentId);
    const site = record.siteId === null ? undefined : catalog.site(record.siteId);
    return {
      requestSha256: request.digest.requestSha256,
      responseSha256: request.digest.responseSha256(),
      engineKind: routed?.deployment.kind ?? null,
      modelSha256: null,
      accelerators: site?.accelerators ?? [],
      creditsChargedMicro: null,
    };
  };
}
