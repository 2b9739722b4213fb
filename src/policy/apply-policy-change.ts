import { CommonwealError } from '../errors/index.js';
import type { JurisdictionGroup } from './jurisdiction-group.js';
import { Jurisdictions } from './jurisdictions.js';
import type { PolicyChange, PolicyRuleInput } from './policy-change.js';
import { jurisdictionsNamedByRule, type PolicyRule, policyRulesMax, ruleCriteria } from './policy-rule.js';
import type { PolicyState, StoredPolicy } from './policy-state.js';
import { type ResidencyPolicy, jurisdictionsNamedBy } from './residency-policy.js';

/** A change applied to a state in memory: the new state, and the subject before and after for the record. */
export interface AppliedPolicyChange {
  readonly state: PolicyState;
  readonly subjectId: string;
  readonly organizationId: string | null;
  readonly before: unknown;
  readonly after: unknown;
}

/** The version and time the change will carry. */
export interface ChangeStamp {
  readonly version: number;
  readonly at: string;
}

/** Operator-defined groups the platform holds at most. */
export const customJurisdictionGroupsMax = 500;

export function jurisdictionsOf(state: PolicyState): Jurisdictions {
  return new Jurisdictions(Array.from(state.groups.values()));
}

/**
 * Applies one change to a policy state, checking it against that state: every
 * jurisdiction it names must exist, groups must not loop, a group still in use cannot
 * go. Pure, so that simulating a change and saving it check exactly the same things.
 */
export function applyPolicyChange(state: PolicyState, change: PolicyChange, stamp: ChangeStamp): AppliedPolicyChange {
  switch (change.kind) {
    case 'organization_policy':
      return applyOrganizationPolicy(state, change.organizationId, change.policy, stamp);
    case 'project_policy':
      return applyProjectPolicy(state, change.organizationId, change.projectId, change.policy, stamp);
    case 'rule':
      return applyRule(state, change.rule, change.position, stamp);
    case 'rule_removal':
      return removeRule(state, change.ruleId, stamp);
    case 'jurisdiction_group':
      return applyGroup(state, change.group.id, change.group.name, change.group.members, stamp);
    case 'jurisdiction_group_removal':
      return removeGroup(state, change.groupId, stamp);
  }
}

function checkPolicy(state: PolicyState, policy: ResidencyPolicy): void {
  const jurisdictions = jurisdictionsOf(state);
  if (policy.allowedJurisdictions !== null)
    jurisdictions.assertUsable(policy.allowedJurisdictions, 'allowedJurisdictions');
  jurisdictions.assertUsable(policy.deniedJurisdictions, 'deniedJurisdictions');
}

function applyOrganizationPolicy(
  state: PolicyState,
  organizationId: string,
  policy: ResidencyPolicy,
  stamp: ChangeStamp,
): AppliedPolicyChange {
  checkPolicy(state, policy);
  const organizationPolicies = new Map(state.organizationPolicies);
  organizationPolicies.set(organizationId, { policy, version: stamp.version, updatedAt: stamp.at });
  const before = state.organizationPolicies.get(organizationId)?.policy ?? null;
  return {
    state: { ...state, version: stamp.version, organizationPolicies },
    subjectId: organizationId,
    organizationId,
    before,
    after: policy,
  };
}

function applyProjectPolicy(
  state: PolicyState,
  organizationId: string,
  projectId: string,
  policy: ResidencyPolicy | null,
  stamp: ChangeStamp,
): AppliedPolicyChange {
  if (policy !== null) checkPolicy(state, policy);
  const ofOrganization = new Map<string, StoredPolicy>(state.projectPolicies.get(organizationId) ?? []);
  const before = ofOrganization.get(projectId)?.policy ?? null;
  if (policy === null) ofOrganization.delete(projectId);
  else ofOrganization.set(projectId, { policy, version: stamp.version, updatedAt: stamp.at });
  const projectPolicies = new Map(state.projectPolicies);
  if (ofOrganization.size === 0) projectPolicies.delete(organizationId);
  else projectPolicies.set(organizationId, ofOrganization);
  const subjectId = `${organizationId}/${projectId}`;
  return {
    state: { ...state, version: stamp.version, projectPolicies },
    subjectId,
    organizationId,
    before,
    after: policy,
  };
}

function checkRule(state: PolicyState, input: PolicyRuleInput): void {
  const jurisdictions = jurisdictionsOf(state);
  for (const criterion of ruleCriteria) {
    const condition = input.match[criterion];
    if (condition === undefined) continue;
    const param = `match.${criterion}`;
    if ((condition.in === undefined) === (condition.notIn === undefined)) {
      throw new CommonwealError('invalid_request', `${param} must have exactly one of "in" and "notIn"`, { param });
    }
    const listed = condition.in ?? condition.notIn!;
    if (listed.length === 0) throw new CommonwealError('invalid_request', `${param} lists no values`, { param });
    if (criterion === 'organizationJurisdictions' || criterion === 'siteJurisdictions') {
      jurisdictions.assertUsable(listed, `${param}.${condition.in === undefined ? 'notIn' : 'in'}`);
    }
  }
}

/** Gives every rule its index as position, reusing the rules whose place did not change. */
function renumbered(rules: readonly PolicyRule[]): readonly PolicyRule[] {
  return Object.freeze(
    rules.map((rule, index) => (rule.position === index ? rule : Object.freeze({ ...rule, position: index }))),
  );
}

function applyRule(
  state: PolicyState,
  input: PolicyRuleInput,
  position: number | undefined,
  stamp: ChangeStamp,
): AppliedPolicyChange {
  checkRule(state, input);
  const index = state.rules.findIndex((rule) => rule.id === input.id);
  const old = index === -1 ? undefined : state.rules[index];
  if (old === undefined && state.rules.length >= policyRulesMax) {
    throw new CommonwealError(
      'invalid_request',
      `the platform holds at most ${policyRulesMax} rules; delete one first`,
    );
  }
  const others = state.rules.filter((rule) => rule.id !== input.id);
  const at = position ?? (index === -1 ? others.length : index);
  if (!Number.isSafeInteger(at) || at < 0 || at > others.length) {
    throw new CommonwealError('invalid_request', `position must be from 0 to ${others.length}`, { param: 'position' });
  }
  const rule: PolicyRule = Object.freeze({
    object: 'policy_rule',
    ...input,
    position: at,
    createdAt: old?.createdAt ?? stamp.at,
    updatedAt: stamp.at,
  });
  const rules = renumbered([...others.slice(0, at), rule, ...others.slice(at)]);
  return {
    state: { ...state, version: stamp.version, rules },
    subjectId: input.id,
    organizationId: null,
    before: old ?? null,
    after: rule,
  };
}

function removeRule(state: PolicyState, ruleId: string, stamp: ChangeStamp): AppliedPolicyChange {
  const old = state.rules.find((rule) => rule.id === ruleId);
  if (old === undefined) throw new CommonwealError('not_found', `rule "${ruleId}" not found`);
  const rules = renumbered(state.rules.filter((rule) => rule.id !== ruleId));
  return {
    state: { ...state, version: stamp.version, rules },
    subjectId: ruleId,
    organizationId: null,
    before: old,
    after: null,
  };
}

function applyGroup(
  state: PolicyState,
  id: string,
  name: string,
  members: readonly string[],
  stamp: ChangeStamp,
): AppliedPolicyChange {
  if (jurisdictionsOf(state).isBuiltIn(id)) {
    throw new CommonwealError(
      'invalid_request',
      `group ${id} is built in: its members come from the reviewed data file and cannot be changed`,
      { param: 'id' },
    );
  }
  const old = state.groups.get(id);
  if (old === undefined && state.groups.size >= customJurisdictionGroupsMax) {
    throw new CommonwealError(
      'invalid_request',
      `the platform holds at most ${customJurisdictionGroupsMax} jurisdiction groups; delete one first`,
    );
  }
  const group: JurisdictionGroup = Object.freeze({
    object: 'jurisdiction_group',
    id,
    name,
    members: Object.freeze([...new Set(members)]),
    builtIn: false,
    createdAt: old?.createdAt ?? stamp.at,
    updatedAt: stamp.at,
  });
  const groups = new Map(state.groups).set(id, group);
  const before = jurisdictionsOf(state);
  const after = new Jurisdictions(Array.from(groups.values()));
  // The group must expand, and no group that expanded before may stop expanding (a loop
  // through the changed group would break every group on it).
  for (const other of groups.keys()) {
    const problem = after.problemOf(other);
    if (problem !== undefined && (other === id || before.problemOf(other) === undefined)) {
      throw new CommonwealError('invalid_request', `members: ${problem}`, { param: 'members' });
    }
  }
  return {
    state: { ...state, version: stamp.version, groups },
    subjectId: id,
    organizationId: null,
    before: old ?? null,
    after: group,
  };
}

function removeGroup(state: PolicyState, id: string, stamp: ChangeStamp): AppliedPolicyChange {
  const old = state.groups.get(id);
  if (old === undefined) {
    if (jurisdictionsOf(state).isBuiltIn(id))
      throw new CommonwealError('invalid_request', `group ${id} is built in and cannot be deleted`);
    throw new CommonwealError('not_found', `jurisdiction group "${id}" not found`);
  }
  const user = referrerOf(state, id);
  if (user !== undefined)
    throw new CommonwealError('conflict', `jurisdiction group ${id} is still named by ${user}; change that first`);
  const groups = new Map(state.groups);
  groups.delete(id);
  return {
    state: { ...state, version: stamp.version, groups },
    subjectId: id,
    organizationId: null,
    before: old,
    after: null,
  };
}

/** The first group, policy or rule that names a group, described for the operator. */
function referrerOf(state: PolicyState, id: string): string | undefined {
  const group = jurisdictionsOf(state).groupsContaining(id)[0];
  if (group !== undefined) return `group ${group}`;
  for (const [organizationId, stored] of state.organizationPolicies) {
    if (jurisdictionsNamedBy(stored.policy).includes(id)) return `the policy of organization "${organizationId}"`;
  }
  for (const [organizationId, projects] of state.projectPolicies) {
    for (const [projectId, stored] of projects) {
      if (jurisdictionsNamedBy(stored.policy).includes(id))
        return `the policy of project "${projectId}" of organization "${organizationId}"`;
    }
  }
  const rule = state.rules.find((r) => jurisdictionsNamedByRule(r.match).includes(id));
  return rule === undefined ? undefined : `rule "${rule.id}"`;
}
