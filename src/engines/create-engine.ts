import type { DeploymentWithSecret } from '../catalog/index.js';
import type { Engine } from './engine.js';
import { OpenAiUpstreamEngine, type OpenAiUpstreamOptions, openAiUpstreamDefaults } from './openai-upstream-engine.js';

/** Builds the engine for a deployment, by its kind. Throws when the deployment cannot be served. */
export function createEngine(item: DeploymentWithSecret, options: OpenAiUpstreamOptions = openAiUpstreamDefaults): Engine {
  const { deployment, upstreamApiKey } = item;
  switch (deployment.kind) {
    case 'openai':
      if (deployment.baseUrl === null) throw new TypeError(`deployment "${deployment.id}" of kind openai has no base URL`);
      return new OpenAiUpstreamEngine({ deploymentId: deployment.id, baseUrl: deployment.baseUrl, upstreamApiKey }, options);
  }
}
