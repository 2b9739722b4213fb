import type { Selectable } from 'kysely';
import type { DeploymentsTable } from '../store/index.js';

export const engineKinds = ['openai'] as const;
export type EngineKind = (typeof engineKinds)[number];

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
  readonly baseUrl: string | null;
  /** The name the upstream knows the model by; the catalog id when null. */
  readonly upstreamModel: string | null;
  readonly hasUpstreamApiKey: boolean;
  readonly weight: number;
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function toDeployment(row: Selectable<DeploymentsTable>): Deployment {
  const { upstreamApiKeySealed, ...rest } = row;
  return { object: 'deployment', ...rest, kind: row.kind as EngineKind, hasUpstreamApiKey: upstreamApiKeySealed !== null, enabled: row.enabled === 1 };
}
