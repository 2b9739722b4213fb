/**
 * Module resolution hooks under which node-llama-cpp cannot be found, as on a machine
 * where the optional package was not installed. Registered by hide-node-llama-cpp.ts.
 */
type NextResolve = (specifier: string, context: unknown) => Promise<unknown>;

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<unknown> {
  if (specifier === 'node-llama-cpp' || specifier.startsWith('node-llama-cpp/')) {
    throw Object.assign(new Error("Cannot find package 'node-llama-cpp'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return nextResolve(specifier, context);
}
