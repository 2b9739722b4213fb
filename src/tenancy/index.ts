export { type ApiKey, isKeyActive } from './api-key.js';
export { ApiKeyRepository } from './api-key-repository.js';
export type { Organization } from './organization.js';
export { OrganizationRepository } from './organization-repository.js';
export type { Principal } from './principal.js';
export type { Project } from './project.js';
export { ProjectRepository } from './project-repository.js';
