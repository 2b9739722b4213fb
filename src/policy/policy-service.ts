import { CommonwealError } from '../errors/index.js';
import type { Page, PageRequest, Store, WriteTransaction } from '../store/index.js';
import { applyPolicyChange } from './apply-policy-change.js';
import { defaultPolicyFor } from './default-residency.js';
import type { JurisdictionGroup } from './jurisdiction-group.js';
import type { PolicyChange, PolicyChangeRecord } from './policy-change.js';
import type { PolicyEngine } from './policy-engine.js';
import { type PolicyExplanation, toPolicyExplanation } from './policy-explanation.js';
import type { OrganizationFacts } from './policy-facts.js';
import { type PolicyChangeFilter, PolicyRepository } from './policy-repository.js';
import type { PolicyRule } from './policy-rule.js';
import { type PolicySimulation, simulatePolicyChange } from './policy-simulation.js';
import { PolicySnapshot } from './policy-snapshot.js';
import type { ResidencyPolicy } from './residency-policy.js';

/** A residency policy as the management API shows it: the clauses and where they come from. */
export interface ResidencyPolicyView extends ResidencyPolicy {
  readonly object: 'residency_policy';
  readonly organizationId: string;
  readonly projectId: string | null;
  /** `server_default` for an organization that never had a policy saved (one created before policies existed). */
  readonly source: 'stored' | 'server_default';
  /** The policy version that set it; null for the server default. */
  readonly version: number | null;
  readonly updatedAt: string | null;
}

/** A group with the countries it expands to. */
export interface JurisdictionGroupView extends JurisdictionGroup {
  readonly countries: readonly string[];
}

export interface PolicyServiceOptions {
  readonly store: Store;
  readonly engine: PolicyEngine;
  /** Every organization with its home jurisdiction, read at each reload. */
  readonly listOrganizations: () => Promise<readonly OrganizationFacts[]>;
}

/**
 * Policy for the management API: reads, explains, simulates and saves changes, and
 * reloads the engine the gateway decides with once a change has committed. Reloads run
 * one at a time and always read the newest state, so the last one wins.
 */
export class PolicyService {
  readonly engine: PolicyEngine;
  readonly #repository: PolicyRepository;
  readonly #listOrganizations: () => Promise<readonly OrganizationFacts[]>;
  #reloading: Promise<void> = Promise.resolve();

  constructor(options: PolicyServiceOptions) {
    this.engine = options.engine;
    this.#repository = new PolicyRepository(options.store);
    this.#listOrganizations = options.listOrganizations;
  }

  /** Resolves once a reload that started after this call has finished. */
  reload(): Promise<void> {
    this.#reloading = this.#reloading
      .catch(() => undefined)
      .then(async () => {
        const [state, organizations] = await Promise.all([this.#repository.load(), this.#listOrganizations()]);
        this.engine.useState(state, organizations);
      });
    return this.#reloading;
  }

  /** Saves a change as a new version in `tx`; the gateway decides with it after `reload`, once `tx` has committed. */
  save(tx: WriteTransaction, change: PolicyChange, actor: string): Promise<PolicyChangeRecord> {
    return this.#repository.save(tx, change, actor);
  }

  /** Gives a new organization the server's default policy, as its first recorded version, in `tx`. */
  initializeOrganization(
    tx: WriteTransaction,
    organization: OrganizationFacts,
    actor: string,
  ): Promise<PolicyChangeRecord> {
    const policy = defaultPolicyFor(this.engine.snapshot.defaultResidency, organization);
    return this.save(tx, { kind: 'organization_policy', organizationId: organization.id, policy }, actor);
  }

  organizationPolicy(organization: OrganizationFacts): ResidencyPolicyView {
    const stored = this.engine.snapshot.state.organizationPolicies.get(organization.id);
    const base = { object: 'residency_policy', organizationId: organization.id, projectId: null } as const;
    if (stored === undefined) {
      return {
        ...base,
        ...defaultPolicyFor(this.engine.snapshot.defaultResidency, organization),
        source: 'server_default',
        version: null,
        updatedAt: null,
      };
    }
    return { ...base, ...stored.policy, source: 'stored', version: stored.version, updatedAt: stored.updatedAt };
  }

  /** The project's own policy, or undefined when only the organization's applies. */
  projectPolicy(organizationId: string, projectId: string): ResidencyPolicyView | undefined {
    const stored = this.engine.snapshot.state.projectPolicies.get(organizationId)?.get(projectId);
    if (stored === undefined) return undefined;
    return {
      object: 'residency_policy',
      organizationId,
      projectId,
      ...stored.policy,
      source: 'stored',
      version: stored.version,
      updatedAt: stored.updatedAt,
    };
  }

  explain(organizationId: string, projectId: string | null, modelId: string): PolicyExplanation {
    const snapshot = this.engine.snapshot;
    return toPolicyExplanation(snapshot, this.engine.evaluate(snapshot, organizationId, projectId, modelId), projectId);
  }

  /** What a change would do, checked exactly as saving would check it, and nothing saved. */
  async simulate(change: PolicyChange): Promise<PolicySimulation> {
    const current = this.engine.snapshot;
    const applied = applyPolicyChange(current.state, change, {
      version: current.version + 1,
      at: new Date().toISOString(),
    });
    const proposed = new PolicySnapshot(
      applied.state,
      Array.from(current.organizations.values()),
      current.defaultResidency,
    );
    return simulatePolicyChange(this.engine, change, current, proposed);
  }

  changes(filter: PolicyChangeFilter, page: PageRequest): Promise<Page<PolicyChangeRecord>> {
    return this.#repository.changes(filter, page);
  }

  /** Built-in groups first, in the data file's order, then the operator's by id. */
  groups(): readonly JurisdictionGroupView[] {
    const { jurisdictions } = this.engine.snapshot;
    return jurisdictions.definitions().map((definition) => this.group(definition.id)!);
  }

  group(id: string): JurisdictionGroupView | undefined {
    const { jurisdictions, state } = this.engine.snapshot;
    const definition = jurisdictions.definition(id);
    if (definition === undefined) return undefined;
    const custom = state.groups.get(id);
    const countries = Array.from(jurisdictions.countriesOf(id) ?? []).sort();
    if (custom !== undefined && !jurisdictions.isBuiltIn(id)) return { ...custom, countries };
    return {
      object: 'jurisdiction_group',
      id,
      name: definition.name,
      members: definition.members,
      builtIn: true,
      createdAt: null,
      updatedAt: null,
      countries,
    };
  }

  rules(): readonly PolicyRule[] {
    return this.engine.snapshot.state.rules;
  }

  rule(id: string): PolicyRule {
    const rule = this.rules().find((r) => r.id === id);
    if (rule === undefined) throw new CommonwealError('not_found', `rule "${id}" not found`);
    return rule;
  }
}
