import type { Deployment } from '../../catalog/index.js';
import type { AdminDeps } from './admin-deps.js';

// The catalog is small (deployments are machines); this bounds the walk all the same.
const deploymentsMax = 10_000;

/** Every deployment of the catalog, walked page by page. */
export async function allDeployments(deps: Pick<AdminDeps, 'deployments'>): Promise<Deployment[]> {
  const deployments: Deployment[] = [];
  let after: string | undefined;
  do {
    const page = await deps.deployments.list({ limit: 200, after });
    deployments.push(...page.data);
    after = page.has_more ? (page.last_id ?? undefined) : undefined;
  } while (after !== undefined && deployments.length < deploymentsMax);
  return deployments;
}
