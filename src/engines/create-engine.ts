import type { DeploymentWithSecret } from '../catalog/index.js';
import { EmbeddedLlamaEngine } from './embedded-llama-engine.js';
import type { EmbeddedRuntime } from './embedded-runtime.js';
import type { Engine } from './engine.js';
import { OpenAiUpstreamEngine, type OpenAiUpstreamOptions } from './openai-upstream-engine.js';

/** What the engines of every kind share: the upstream limits, and the embedded engine's runtime. */
export interface EngineSettings {
  readonly openai: OpenAiUpstreamOptions;
  /** Null where embedded deployments are not served, such as in tools that only proxy. */
  readonly embedded: EmbeddedRuntime | null;
}

/** Builds the engine for a deployment, by its kind. Throws when the deployment cannot be served. */
export function createEngine(item: DeploymentWithSecret, settings: EngineSettings): Engine {
  const { deployment, upstreamApiKey } = item;
  switch (deployment.kind) {
    case 'openai':
      if (deployment.baseUrl === null)
        throw new TypeError(`deployment "${deployment.id}" of kind openai has no base URL`);
      return new OpenAiUpstreamEngine(
        { deploymentId: deployment.id, baseUrl: deployment.baseUrl, upstreamApiKey },
        settings.openai,
      );
    case 'embedded':
      if (deployment.source === null)
        throw new TypeError(`deployment "${deployment.id}" of kind embedded has no source`);
      if (settings.embedded === null)
        throw new TypeError(`deployment "${deployment.id}" is embedded, and this process runs no embedded engine`);
      // node-llama-cpp itself is imported only when this engine first loads its model.
      return new EmbeddedLlamaEngine(
        { deploymentId: deployment.id, source: deployment.source, options: deployment.engineOptions ?? {} },
        settings.embedded,
      );
  }
}
