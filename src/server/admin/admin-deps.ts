import type { DeploymentRepository, ModelRepository, SiteRepository } from '../../catalog/index.js';
import type { UsageRepository } from '../../metering/index.js';
import type { ApiKeyRepository, OrganizationRepository, ProjectRepository } from '../../tenancy/index.js';

/** What the management API needs, handed in by the composition root. */
export interface AdminDeps {
  readonly adminTokenHash: string;
  readonly organizations: OrganizationRepository;
  readonly projects: ProjectRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly models: ModelRepository;
  readonly sites: SiteRepository;
  readonly deployments: DeploymentRepository;
  readonly usage: UsageRepository;
  /** Called after any write that changes what the gateway serves, so that in-memory tables refresh. */
  readonly onCatalogChange: () => Promise<void>;
}
