export { InferenceCatalog } from './inference-catalog.js';
export { createInferenceHandler } from './inference-handler.js';
export { InferenceProxy } from './inference-proxy.js';
export { receiptFacts } from './receipt-facts.js';
export { Admission } from './admission.js';
export { chargeStep } from './charge-step.js';
export { checkJsonDepth, jsonDepthMax } from './check-json-depth.js';
