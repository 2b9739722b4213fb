import type { DeploymentRepository, Model, ModelRepository, Site, SiteRepository } from '../catalog/index.js';
import type { PolicyEngine } from '../policy/index.js';
import type { DeploymentLoadProblem, DeploymentRegistry } from '../routing/index.js';
import type { ApiKeyRepository } from '../tenancy/index.js';
import { KeyTable } from './key-table.js';

export interface CatalogSources {
  readonly apiKeys: ApiKeyRepository;
  readonly models: ModelRepository;
  readonly sites: SiteRepository;
  readonly deployments: DeploymentRepository;
}

/**
 * What the hot path reads, all in memory: keys, models, sites and the routing table.
 * It is loaded at start and reloaded whole after every admin change; reloads run one
 * at a time, in order, so the last change always wins. The policy engine gets the same
 * catalog in the same step, so its decisions are never about another catalog.
 */
export class InferenceCatalog {
  readonly registry: DeploymentRegistry;
  readonly #sources: CatalogSources;
  readonly #onProblem: (problem: DeploymentLoadProblem) => void;
  readonly #policy: PolicyEngine;
  #keys = new KeyTable([]);
  #models: ReadonlyMap<string, Model> = new Map();
  #sites: ReadonlyMap<string, Site> = new Map();
  #reloading: Promise<void> = Promise.resolve();

  constructor(
    sources: CatalogSources,
    registry: DeploymentRegistry,
    onProblem: (problem: DeploymentLoadProblem) => void,
    policy: PolicyEngine,
  ) {
    this.#sources = sources;
    this.registry = registry;
    this.#onProblem = onProblem;
    this.#policy = policy;
  }

  get keys(): KeyTable {
    return this.#keys;
  }

  model(id: string): Model | undefined {
    return this.#models.get(id);
  }

  models(): Iterable<Model> {
    return this.#models.values();
  }

  site(id: string): Site | undefined {
    return this.#sites.get(id);
  }

  /** Resolves once a reload that started after this call has finished. */
  reload(): Promise<void> {
    this.#reloading = this.#reloading.catch(() => undefined).then(() => this.#load());
    return this.#reloading;
  }

  async #load(): Promise<void> {
    const [keys, models, sites, deployments] = await Promise.all([
      this.#sources.apiKeys.listAllWithHashes(),
      this.#sources.models.listAll(),
      this.#sources.sites.listAll(),
      this.#sources.deployments.listAllWithSecrets(),
    ]);
    this.#keys = new KeyTable(keys);
    this.#models = new Map(models.map((m) => [m.id, m]));
    this.#sites = new Map(sites.map((s) => [s.id, s]));
    for (const problem of this.registry.load(deployments)) this.#onProblem(problem);
    this.#policy.useCatalog({ models, sites, deployments: deployments.map((item) => item.deployment) });
  }
}
