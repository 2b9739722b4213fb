export { InferenceCatalog, type CatalogSources } from './inference-catalog.js';
export { createInferenceHandler, type InferenceHandlerDeps } from './inference-handler.js';
export { InferenceProxy, type InferenceProxyDeps } from './inference-proxy.js';
export { type InferenceCaller, KeyTable } from './key-table.js';
export { receiptFacts } from './receipt-facts.js';
export { Admission, type AdmissionDeps, type BillingMode } from './admission.js';
export { chargeStep } from './charge-step.js';
