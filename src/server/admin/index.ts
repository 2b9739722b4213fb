export { adminApi, adminPrefix } from './admin-api.js';
export type { AdminDeps } from './admin-deps.js';
export { validatorCompiler } from './request-validation.js';
