import type { Selectable } from 'kysely';
import type { DeploymentsTable } from '../store/index.js';
import { withoutUrlCredentials } from './without-url-credentials.js';

export const engineKinds = ['openai', 'embedded'] as const;
export type EngineKind = (typeof engineKinds)[number];

/** How the embedded engine runs a deployment's model; an absent field takes its default. */
export interface EmbeddedEngineOptions {
  /** Tokens each sequence sees at once; `auto` fits the machine's memory. Default: the smaller of 4096 and the model's own. */
  readonly contextSize?: number | 'auto';
  /** Layers offloaded to a GPU; `auto` (the default) offloads what fits, none without a GPU. */
  readonly gpuLayers?: number | 'auto' | 'max';
  /** Requests generated at once, each in its own sequence of the context. Default 1. */
  readonly parallelSequences?: number;
  /** CPU threads for generation. Default: one per physical core. */
  readonly threads?: number;
}

/**
 * A model served at a site by an engine. The upstream API key is write-only: the
 * API tells only whether one is set.
 */
export interface Deployment {
  readonly object: 'deployment';
  readonly id: string;
  readonly modelId: string;
  readonly siteId: string;
  readonly kind: EngineKind;
  /** `openai`: where the model server is. */
  readonly baseUrl: string | null;
  /** `embedded`: the GGUF file, as an absolute path or `hf:<user>/<repo>/<file>.gguf`. */
  readonly source: string | null;
  /** `embedded`: how to run the model. */
  readonly engineOptions: EmbeddedEngineOptions | null;
  /** The name the upstream knows the model by; the catalog id when null. */
  readonly upstreamModel: string | null;
  readonly hasUpstreamApiKey: boolean;
  readonly weight: number;
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A stored deployment as the API shows it: no upstream key, and no credentials in its base URL. */
export function toDeployment(row: Selectable<DeploymentsTable>): Deployment {
  const { upstreamApiKeySealed, ...rest } = row;
  return {
    object: 'deployment',
    ...rest,
    baseUrl: row.baseUrl === null ? null : withoutUrlCredentials(row.baseUrl),
    kind: row.kind as EngineKind,
    source: row.source ?? null,
    engineOptions: row.engineOptions == null ? null : (JSON.parse(row.engineOptions) as EmbeddedEngineOptions),
    hasUpstreamApiKey: upstreamApiKeySealed !== null,
    enabled: row.enabled === 1,
  };
}
