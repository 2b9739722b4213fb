import {
  type JurisdictionGroup,
  type PolicyRule,
  type PolicyState,
  type ResidencyPolicy,
  type RuleEffect,
  type RuleMatch,
  type StoredPolicy,
  toResidencyPolicy,
} from '../../src/policy/index.js';

const at = '2026-01-01T00:00:00.000Z';

export function stored(policy: Partial<ResidencyPolicy>): StoredPolicy {
  return { policy: toResidencyPolicy(policy), version: 1, updatedAt: at };
}

export function rule(
  id: string,
  effect: RuleEffect,
  match: RuleMatch,
  reason = `reason of ${id}`,
  reference: string | null = null,
): PolicyRule {
  return { object: 'policy_rule', id, position: 0, effect, match, reason, reference, createdAt: at, updatedAt: at };
}

export function customGroup(id: string, members: readonly string[]): JurisdictionGroup {
  return { object: 'jurisdiction_group', id, name: id, members, builtIn: false, createdAt: at, updatedAt: at };
}

/** A policy state for unit tests, built from plain parts; rules take their list order as position. */
export function policyState(parts: {
  readonly version?: number;
  readonly groups?: readonly JurisdictionGroup[];
  readonly organizations?: Readonly<Record<string, Partial<ResidencyPolicy>>>;
  readonly projects?: Readonly<Record<string, Readonly<Record<string, Partial<ResidencyPolicy>>>>>;
  readonly rules?: readonly PolicyRule[];
}): PolicyState {
  return {
    version: parts.version ?? 1,
    groups: new Map((parts.groups ?? []).map((g) => [g.id, g])),
    organizationPolicies: new Map(
      Object.entries(parts.organizations ?? {}).map(([id, policy]) => [id, stored(policy)]),
    ),
    projectPolicies: new Map(
      Object.entries(parts.projects ?? {}).map(([organizationId, projects]) => [
        organizationId,
        new Map(Object.entries(projects).map(([projectId, policy]) => [projectId, stored(policy)])),
      ]),
    ),
    rules: (parts.rules ?? []).map((r, position) => ({ ...r, position })),
  };
}
