import type { PolicyExclusion } from './policy-exclusion.js';

/** One deployment of the model, allowed or excluded, and why. */
export interface DeploymentVerdict {
  readonly deploymentId: string;
  readonly siteId: string;
  /** The site's country, or null when the site is unknown. */
  readonly jurisdiction: string | null;
  readonly enabled: boolean;
  readonly allowed: boolean;
  /** Every clause and the rule that exclude it; empty when allowed. */
  readonly exclusions: readonly PolicyExclusion[];
  /** The rule that decided for this deployment (allow or deny), or null when no rule matched. */
  readonly ruleId: string | null;
}

/** Every deployment of the model, allowed or with the reasons it is not. */
export interface PolicyEvaluation {
  /** Clauses that exclude the model wherever it runs (license, origin). */
  readonly modelExclusions: readonly PolicyExclusion[];
  readonly verdicts: readonly DeploymentVerdict[];
}

/** What the balancer reads of a candidate when the decision filters it. */
export interface PolicyCandidate {
  readonly deployment: { readonly id: string };
}

/**
 * The policy's answer for one organization (or project) and one model, as of one
 * policy version: which of the model's deployments may serve it. The gateway hands
 * `accepts` to the balancer, so that no pick, first or on failover, can land elsewhere.
 *
 * Decisions are cached for every organization × model a request asks about, so a
 * decision keeps only what routing needs; the reasons (`verdicts`) are evaluated again,
 * by the same function and with the same inputs, when someone asks for them.
 */
export class PolicyDecision {
  readonly version: number;
  readonly organizationId: string;
  /** The project whose own policy narrowed the decision, or null when the organization's alone applied. */
  readonly projectId: string | null;
  readonly modelId: string;
  readonly deploymentCount: number;
  readonly allowedCount: number;
  /**
   * Nothing may serve: the model itself is excluded, or every deployment it has is.
   * A model without deployments is not denied: it is simply not served (503).
   */
  readonly denied: boolean;
  readonly accepts: (candidate: PolicyCandidate) => boolean;
  readonly #evaluate: () => PolicyEvaluation;

  constructor(
    scope: {
      readonly version: number;
      readonly organizationId: string;
      readonly projectId: string | null;
      readonly modelId: string;
    },
    evaluation: PolicyEvaluation,
    evaluate: () => PolicyEvaluation,
  ) {
    this.version = scope.version;
    this.organizationId = scope.organizationId;
    this.projectId = scope.projectId;
    this.modelId = scope.modelId;
    const allowed: ReadonlySet<string> = new Set(
      evaluation.verdicts.filter((v) => v.allowed).map((v) => v.deploymentId),
    );
    this.deploymentCount = evaluation.verdicts.length;
    this.allowedCount = allowed.size;
    this.denied = evaluation.modelExclusions.length > 0 || (evaluation.verdicts.length > 0 && allowed.size === 0);
    // Bound once, so that the hot path allocates nothing per request.
    this.accepts = (candidate) => allowed.has(candidate.deployment.id);
    this.#evaluate = evaluate;
  }

  /** Whether the policy excluded any deployment, so that "none left" means "none compliant left". */
  get excludesAny(): boolean {
    return this.allowedCount < this.deploymentCount;
  }

  get modelExclusions(): readonly PolicyExclusion[] {
    return this.#evaluate().modelExclusions;
  }

  get verdicts(): readonly DeploymentVerdict[] {
    return this.#evaluate().verdicts;
  }
}
