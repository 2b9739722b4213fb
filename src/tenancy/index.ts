export { type ApiKey, type ApiKeyRole, isKeyActive, toApiKey } from './api-key.js';
export { ApiKeyRepository, type ApiKeyInput, type CreatedApiKey } from './api-key-repository.js';
export { apiKeySecretPrefix, newApiKeySecret } from './api-key-secret.js';
export { type Organization } from './organization.js';
export { OrganizationRepository, type OrganizationInput, type OrganizationPatch } from './organization-repository.js';
export type { Principal } from './principal.js';
export { type Project } from './project.js';
export { ProjectRepository, type ProjectInput } from './project-repository.js';
