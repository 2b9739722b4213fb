import type { DefaultResidency } from './default-residency.js';
import type { PolicyDecision } from './policy-decision.js';
import type { DeploymentFacts, ModelFacts, OrganizationFacts, SiteFacts } from './policy-facts.js';
import { PolicySnapshot } from './policy-snapshot.js';
import { emptyPolicyState, type PolicyState } from './policy-state.js';

/** The catalog as policy sees it: every model, site and deployment, disabled ones included. */
export interface PolicyCatalog {
  readonly models: Iterable<ModelFacts>;
  readonly sites: Iterable<SiteFacts>;
  readonly deployments: Iterable<DeploymentFacts>;
}

/** Decisions of one organization: for the organization's policy alone, and for each project with a policy of its own. */
interface OrganizationDecisions {
  readonly byModel: Map<string, PolicyDecision>;
  readonly byProject: Map<string, Map<string, PolicyDecision>>;
}

/**
 * Decisions are cached per organization (or project with its own policy) and model that
 * requests ask about. Their number is bounded by the catalog and the tenants; this bound
 * (some 160 MB at most, from bench/results/policy.md) guards memory should both be huge,
 * by starting the cache afresh.
 */
export const decisionCacheEntriesMax = 250_000;

const noDeployments: readonly DeploymentFacts[] = Object.freeze([]);

/**
 * What the hot path asks: may this organization's project use these deployments of
 * this model? Answers come from memory: each decision is computed once per policy and
 * catalog version and cached; replacing either drops the cache whole, so no decision
 * ever outlives the data it was made from.
 */
export class PolicyEngine {
  #snapshot: PolicySnapshot;
  #models: ReadonlyMap<string, ModelFacts> = new Map();
  #sites: ReadonlyMap<string, SiteFacts> = new Map();
  #deploymentsByModel: ReadonlyMap<string, readonly DeploymentFacts[]> = new Map();
  #cache = new Map<string, OrganizationDecisions>();
  #cachedCount = 0;

  constructor(defaultResidency: DefaultResidency) {
    this.#snapshot = new PolicySnapshot(emptyPolicyState, [], defaultResidency);
  }

  get snapshot(): PolicySnapshot {
    return this.#snapshot;
  }

  /** The policy version decisions are made with; usage records carry it. */
  get version(): number {
    return this.#snapshot.version;
  }

  /** Replaces the policy state (and the organizations it applies to). */
  useState(state: PolicyState, organizations: readonly OrganizationFacts[]): void {
    this.#snapshot = new PolicySnapshot(state, organizations, this.#snapshot.defaultResidency);
    this.#dropDecisions();
  }

  /** Replaces the catalog the decisions are about. */
  useCatalog(catalog: PolicyCatalog): void {
    const byModel = new Map<string, DeploymentFacts[]>();
    for (const deployment of catalog.deployments) {
      const list = byModel.get(deployment.modelId);
      if (list === undefined) byModel.set(deployment.modelId, [deployment]);
      else list.push(deployment);
    }
    this.#models = new Map(Array.from(catalog.models, (m) => [m.id, m]));
    this.#sites = new Map(Array.from(catalog.sites, (s) => [s.id, s]));
    this.#deploymentsByModel = byModel;
    this.#dropDecisions();
  }

  models(): Iterable<ModelFacts> {
    return this.#models.values();
  }

  /** The decision for a request, from the cache when this version already made it. */
  decide(organizationId: string, projectId: string, modelId: string): PolicyDecision {
    let ofOrganization = this.#cache.get(organizationId);
    if (ofOrganization === undefined) {
      ofOrganization = { byModel: new Map(), byProject: new Map() };
      this.#cache.set(organizationId, ofOrganization);
    }
    let table = ofOrganization.byModel;
    // Projects without a policy of their own share the organization's decisions.
    if (this.#snapshot.hasProjectPolicy(organizationId, projectId)) {
      const ofProject = ofOrganization.byProject.get(projectId);
      table = ofProject ?? new Map();
      if (ofProject === undefined) ofOrganization.byProject.set(projectId, table);
    }
    const cached = table.get(modelId);
    if (cached !== undefined) return cached;
    const decision = this.evaluate(this.#snapshot, organizationId, projectId, modelId);
    if (this.#cachedCount >= decisionCacheEntriesMax) this.#dropDecisions();
    else {
      table.set(modelId, decision);
      this.#cachedCount += 1;
    }
    return decision;
  }

  /** A fresh decision under any snapshot, cached nowhere: for explain and simulate. */
  evaluate(
    snapshot: PolicySnapshot,
    organizationId: string,
    projectId: string | null,
    modelId: string,
  ): PolicyDecision {
    // The catalog of this moment, held by the decision: explaining it later, after a
    // reload, must give the reasons it was made with.
    const sites = this.#sites;
    return snapshot.evaluate({
      organizationId,
      projectId,
      modelId,
      model: this.#models.get(modelId),
      deployments: this.#deploymentsByModel.get(modelId) ?? noDeployments,
      siteOf: (siteId) => sites.get(siteId),
    });
  }

  #dropDecisions(): void {
    this.#cache = new Map();
    this.#cachedCount = 0;
  }
}
