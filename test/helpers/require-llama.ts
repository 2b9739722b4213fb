import { requireServicesVariable } from './require-service.js';

/**
 * node-llama-cpp is an optional dependency, so tests that run a model skip, with the
 * reason, where it is not installed. With COMMONWEAL_REQUIRE_SERVICES=1 (CI, whose
 * `npm ci` installs optional dependencies) its absence fails them instead, so CI can
 * never pass by skipping the embedded engine. Use as `describe(name, { skip: llamaSkip() }, …)`.
 */
export function llamaSkip(env: NodeJS.ProcessEnv = process.env): string | false {
  try {
    import.meta.resolve('node-llama-cpp');
    return false;
  } catch {
    const reason = 'node-llama-cpp is not installed (an optional dependency: npm install --include=optional)';
    if (env[requireServicesVariable] === '1')
      throw new Error(`${reason}; ${requireServicesVariable}=1 makes this a failure, not a skip`);
    return reason;
  }
}
