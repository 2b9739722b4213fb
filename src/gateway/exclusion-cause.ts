import type { PolicyDecision } from '../policy/index.js';

/** What refused a request or held back some of its model's deployments, as a trace reports it. */
export interface ExclusionCause {
  /** The first platform rule that excluded something; null when only residency clauses did. */
  readonly rule: string | null;
  /** The first residency or catalog clause that did, as `source:clause`, e.g. `organization_policy:allowedJurisdictions`. */
  readonly clause: string | null;
}

const none: ExclusionCause = Object.freeze({ rule: null, clause: null });

/**
 * The rule and the clause behind a decision that excluded anything. The reasons are
 * evaluated again (decisions keep only what routing needs), so this runs only for a
 * traced request that was refused or held back.
 */
export function exclusionCause(decision: PolicyDecision): ExclusionCause {
  if (!decision.denied && !decision.excludesAny) return none;
  const exclusions = [...decision.modelExclusions, ...decision.verdicts.flatMap((v) => v.exclusions)];
  const rule = exclusions.find((e) => e.ruleId !== undefined)?.ruleId ?? null;
  const clause = exclusions.find((e) => e.ruleId === undefined);
  return { rule, clause: clause === undefined ? null : `${clause.source}:${clause.clause}` };
}
