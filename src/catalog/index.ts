export { type Deployment, type EmbeddedEngineOptions, type EngineKind, engineKinds } from './deployment.js';
export { DeploymentRepository, type DeploymentWithSecret } from './deployment-repository.js';
export type { Model } from './model.js';
export { ModelRepository } from './model-repository.js';
export { acceleratorVendors, type Site } from './site.js';
export { SiteRepository } from './site-repository.js';
