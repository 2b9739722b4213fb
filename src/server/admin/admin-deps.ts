import type { AdminChanges, ReceiptBundles } from '../../audit/index.js';
import type { DeploymentRepository, ModelRepository, SiteRepository } from '../../catalog/index.js';
import type { UsageRepository, UsageRollupReader } from '../../metering/index.js';
import type { ModelPulls } from '../../model-files/index.js';
import type { PolicyService } from '../../policy/index.js';
import type { RoutedDeployment } from '../../routing/index.js';
import type { ApiKeyRepository, OrganizationRepository, ProjectRepository } from '../../tenancy/index.js';
import type { BillingAdmin } from './billing-admin.js';

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
  /** Receipts with their proofs, for the operator and the receipt's own organization admins. */
  readonly receipts: ReceiptBundles;
  /** The hourly and daily sums of usage that the console's charts read. */
  readonly rollups: UsageRollupReader;
  /** Residency policies, rules and jurisdiction groups; saving a change also reloads the gateway's decisions. */
  readonly policy: PolicyService;
  /** Called after any write that changes what the gateway serves, so that in-memory tables refresh. */
  readonly onCatalogChange: () => Promise<void>;
  /** A deployment as routing holds it (engine, circuit, requests in flight); undefined when it is not routed. */
  readonly routed: (deploymentId: string) => RoutedDeployment | undefined;
  /**
   * Makes a change a leaf of the transparency log: a route that changes a record writes
   * it in `audit.commit(tx => ...)`, which appends the leaf in the same transaction; once
   * that resolves, the route reloads what the gateway holds in memory.
   */
  readonly audit: AdminChanges;
  /** The credits ledger, the fund, budgets and rate limits. */
  readonly billing: BillingAdmin;
  /** Downloads of model files into `modelsDir`, run by this server. */
  readonly modelPulls: ModelPulls;
  /** The data directory's `models/`, where pulled files and the demo model go. */
  readonly modelsDir: string;
  /** Whether node-llama-cpp can be found, so that embedded deployments can run here. */
  readonly embeddedInstalled: boolean;
}
