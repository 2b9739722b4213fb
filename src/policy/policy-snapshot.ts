import { CompiledResidencyPolicy } from './compiled-residency-policy.js';
import { CompiledRules, type RequestRules } from './compiled-rules.js';
import { type DefaultResidency, defaultPolicyFor } from './default-residency.js';
import type { Jurisdictions } from './jurisdictions.js';
import { jurisdictionsOf } from './apply-policy-change.js';
import { type DeploymentVerdict, PolicyDecision, type PolicyEvaluation } from './policy-decision.js';
import type { DeploymentFacts, ModelFacts, OrganizationFacts, SiteFacts } from './policy-facts.js';
import type { PolicyExclusion } from './policy-exclusion.js';
import type { PolicyState } from './policy-state.js';

const none: readonly PolicyExclusion[] = Object.freeze([]);

/** What a decision is asked about: who, for which model, among which deployments. */
export interface DecisionInput {
  readonly organizationId: string;
  /** The caller's project; its own policy applies only if it has one. */
  readonly projectId: string | null;
  readonly modelId: string;
  readonly model: ModelFacts | undefined;
  readonly deployments: readonly DeploymentFacts[];
  readonly siteOf: (siteId: string) => SiteFacts | undefined;
}

/**
 * One policy version compiled for evaluation: groups expanded, every organization's
 * policy (stored or the server default) and every project's compiled, rules compiled.
 * Immutable; a change builds a new snapshot, which also drops every cached decision.
 */
export class PolicySnapshot {
  readonly state: PolicyState;
  readonly jurisdictions: Jurisdictions;
  readonly organizations: ReadonlyMap<string, OrganizationFacts>;
  readonly defaultResidency: DefaultResidency;
  readonly #organizationPolicies = new Map<string, CompiledResidencyPolicy>();
  readonly #projectPolicies = new Map<string, Map<string, CompiledResidencyPolicy>>();
  readonly #rules: CompiledRules;

  constructor(state: PolicyState, organizations: readonly OrganizationFacts[], defaultResidency: DefaultResidency) {
    this.state = state;
    this.defaultResidency = defaultResidency;
    this.jurisdictions = jurisdictionsOf(state);
    this.organizations = new Map(organizations.map((o) => [o.id, o]));
    for (const organization of organizations) {
      const stored = state.organizationPolicies.get(organization.id);
      const policy = stored?.policy ?? defaultPolicyFor(defaultResidency, organization);
      const label = stored === undefined ? 'organization policy (server default)' : 'organization policy';
      this.#organizationPolicies.set(
        organization.id,
        new CompiledResidencyPolicy(policy, this.jurisdictions, 'organization_policy', label),
      );
    }
    for (const [organizationId, projects] of state.projectPolicies) {
      const compiled = new Map<string, CompiledResidencyPolicy>();
      for (const [projectId, stored] of projects) {
        compiled.set(
          projectId,
          new CompiledResidencyPolicy(
            stored.policy,
            this.jurisdictions,
            'project_policy',
            `project policy of "${projectId}"`,
          ),
        );
      }
      this.#projectPolicies.set(organizationId, compiled);
    }
    this.#rules = new CompiledRules(state.rules, this.jurisdictions);
  }

  get version(): number {
    return this.state.version;
  }

  hasProjectPolicy(organizationId: string, projectId: string): boolean {
    return this.#projectPolicies.get(organizationId)?.has(projectId) ?? false;
  }

  /** The projects of an organization that have a policy of their own. */
  projectsWithPolicies(organizationId: string): readonly string[] {
    return Array.from(this.#projectPolicies.get(organizationId)?.keys() ?? []);
  }

  /** Decides which deployments of a model may serve the organization (and its project). */
  evaluate(input: DecisionInput): PolicyDecision {
    const projectPolicy =
      input.projectId === null ? undefined : this.#projectPolicies.get(input.organizationId)?.get(input.projectId);
    const scope = {
      version: this.version,
      organizationId: input.organizationId,
      projectId: projectPolicy === undefined ? null : input.projectId,
      modelId: input.modelId,
    };
    const evaluate = () => this.#evaluation(input, projectPolicy);
    return new PolicyDecision(scope, evaluate(), evaluate);
  }

  #evaluation(input: DecisionInput, projectPolicy: CompiledResidencyPolicy | undefined): PolicyEvaluation {
    const organization = this.organizations.get(input.organizationId);
    const organizationPolicy = this.#organizationPolicies.get(input.organizationId);
    const model = input.model;
    if (organization === undefined || organizationPolicy === undefined || model === undefined) {
      const exclusions = [this.#unknownOf(input, organization)];
      return {
        modelExclusions: exclusions,
        verdicts: input.deployments.map((d) => verdict(d, input.siteOf(d.siteId), exclusions, undefined)),
      };
    }
    const modelExclusions = concat(
      organizationPolicy.modelExclusions(model),
      projectPolicy?.modelExclusions(model) ?? none,
    );
    const rules = this.#rules.forRequest(organization.homeJurisdiction, model);
    const verdicts = input.deployments.map((deployment) => {
      const site = input.siteOf(deployment.siteId);
      if (site === undefined) return verdict(deployment, site, [unknownSite(deployment.siteId)], undefined);
      const placed = concat(
        modelExclusions,
        organizationPolicy.siteExclusions(site),
        projectPolicy?.siteExclusions(site) ?? none,
      );
      return verdict(deployment, site, placed, rules);
    });
    return { modelExclusions, verdicts };
  }

  // Fail closed: what the policy cannot see, it cannot allow.
  #unknownOf(input: DecisionInput, organization: OrganizationFacts | undefined): PolicyExclusion {
    if (organization === undefined) {
      return {
        source: 'catalog',
        clause: 'unknown_organization',
        message: `organization "${input.organizationId}" is not known to the policy`,
      };
    }
    return {
      source: 'catalog',
      clause: 'unknown_model',
      message: `model "${input.modelId}" is not known to the policy`,
    };
  }
}

function concat(...lists: readonly (readonly PolicyExclusion[])[]): readonly PolicyExclusion[] {
  const nonEmpty = lists.filter((list) => list.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? none;
  return nonEmpty.flat();
}

function unknownSite(siteId: string): PolicyExclusion {
  return { source: 'catalog', clause: 'unknown_site', message: `site "${siteId}" is not known to the policy` };
}

function verdict(
  deployment: DeploymentFacts,
  site: SiteFacts | undefined,
  exclusions: readonly PolicyExclusion[],
  rules: RequestRules | undefined,
): DeploymentVerdict {
  const rule = site === undefined ? undefined : rules?.firstMatch(site);
  const all = rule?.exclusion === undefined ? exclusions : concat(exclusions, [rule.exclusion]);
  return {
    deploymentId: deployment.id,
    siteId: deployment.siteId,
    jurisdiction: site?.jurisdiction ?? null,
    enabled: deployment.enabled,
    allowed: all.length === 0,
    exclusions: all,
    ruleId: rule?.ruleId ?? null,
  };
}
