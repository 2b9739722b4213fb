export { InferenceCatalog, type CatalogSources } from './inference-catalog.js';
export { createInferenceHandler, type InferenceHandlerDeps } from './inference-handler.js';
export { InferenceProxy, type InferenceProxyDeps } from './inference-proxy.js';
export { type InferenceCaller, KeyTable } from './key-table.js';
