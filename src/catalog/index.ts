export { type Deployment, type EmbeddedEngineOptions, type EngineKind, engineKinds, toDeployment } from './deployment.js';
export {
  DeploymentRepository,
  deploymentWeightDefault,
  type DeploymentInput,
  type DeploymentPatch,
  type DeploymentWithSecret,
} from './deployment-repository.js';
export { type Model, toModel } from './model.js';
export { ModelRepository, type ModelInput, type ModelPatch } from './model-repository.js';
export { type Accelerator, type AcceleratorVendor, acceleratorVendors, type Site, toSite } from './site.js';
export { SiteRepository, type SiteInput, type SitePatch } from './site-repository.js';
