export { InferenceCatalog } from './inference-catalog.js';
export { createInferenceHandler, type ServingGate } from './inference-handler.js';
export { InferenceProxy } from './inference-proxy.js';
export type { InferenceRequest } from './inference-request.js';
export { type Settlement, type SettlementDeps, settleRequest } from './settle-request.js';
export { Admission } from './admission.js';
export { checkJsonDepth, jsonDepthMax } from './check-json-depth.js';
