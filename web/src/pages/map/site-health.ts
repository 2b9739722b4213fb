import type { Answer } from '../../api/answer';

type LiveDeployment = Answer<'/admin/v1/deployments/status'>['data'][number];

export type SiteHealth = 'healthy' | 'degraded' | 'failing' | 'idle' | 'unknown';

/**
 * A site's health from its deployments' circuits: healthy when every routed one is closed,
 * failing when none is, degraded in between; idle when it routes nothing; unknown when the
 * caller may not see deployments (an organization admin).
 */
export function siteHealth(siteId: string, deployments: readonly LiveDeployment[] | undefined): SiteHealth {
  if (deployments === undefined) return 'unknown';
  const routed = deployments.filter((d) => d.siteId === siteId && d.routing !== null);
  if (routed.length === 0) return 'idle';
  const closed = routed.filter((d) => d.routing?.circuit === 'closed').length;
  if (closed === routed.length) return 'healthy';
  return closed === 0 ? 'failing' : 'degraded';
}
