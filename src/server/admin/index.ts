export { adminApi, adminPrefix } from './admin-api.js';
export type { AdminDeps } from './admin-deps.js';
export { validatorCompiler } from './request-validation.js';
// The bodies that create each resource, which `commonweal apply` also checks a declared platform against.
export { DeploymentCreate } from './deployment-routes.js';
export { ProgramBody } from './fund-routes.js';
export { BudgetBody, RateLimitBody } from './limit-routes.js';
export { ModelCreate } from './model-routes.js';
export { OrgCreate } from './organization-routes.js';
export { GroupCreate, ResidencyPolicyBody, RuleCreate } from './policy-schemas.js';
export { ProjectCreate } from './project-routes.js';
export { SiteCreate } from './site-routes.js';
