import type { PolicyChange, PolicyChangeRecord } from '../../policy/index.js';
import { actorOf } from './admin-actor.js';
import type { AdminDeps } from './admin-deps.js';
import type { AdminPrincipal } from './admin-principal.js';

function resourceOf(record: PolicyChangeRecord): string {
  if (record.kind === 'rule' || record.kind === 'rule_removal') return 'policy_rule';
  if (record.kind === 'jurisdiction_group' || record.kind === 'jurisdiction_group_removal') return 'jurisdiction_group';
  return 'residency_policy';
}

/**
 * Saves a policy change as a new version (its own change log keeps who, when, before and
 * after), then makes it a leaf of the transparency log like every other admin change.
 */
export async function savePolicyChange(deps: AdminDeps, principal: AdminPrincipal, change: PolicyChange): Promise<PolicyChangeRecord> {
  const record = await deps.policy.save(change, actorOf(principal));
  const action = record.before === null ? 'create' : record.after === null ? 'delete' : 'update';
  await deps.audit.recordAdminChange({
    actor: principal,
    action,
    resource: resourceOf(record),
    resourceId: record.subjectId,
    organizationId: record.organizationId,
    before: record.before,
    after: record.after,
  });
  return record;
}
