import type { AdminChangeInput } from '../../audit/index.js';
import type { PolicyChange, PolicyChangeRecord } from '../../policy/index.js';
import { actorOf } from './admin-actor.js';
import type { AdminDeps } from './admin-deps.js';
import type { AdminPrincipal } from './admin-principal.js';

function resourceOf(record: PolicyChangeRecord): string {
  if (record.kind === 'rule' || record.kind === 'rule_removal') return 'policy_rule';
  if (record.kind === 'jurisdiction_group' || record.kind === 'jurisdiction_group_removal') return 'jurisdiction_group';
  return 'residency_policy';
}

function leafOf(principal: AdminPrincipal, record: PolicyChangeRecord): AdminChangeInput {
  const action = record.before === null ? 'create' : record.after === null ? 'delete' : 'update';
  return {
    actor: principal,
    action,
    resource: resourceOf(record),
    resourceId: record.subjectId,
    organizationId: record.organizationId,
    before: record.before,
    after: record.after,
  };
}

/**
 * Saves a policy change as a new version (its own change log keeps who, when, before and
 * after) and as a leaf of the transparency log, in one transaction like every other
 * admin change, then resolves once the gateway decides with it.
 */
export async function savePolicyChange(
  deps: AdminDeps,
  principal: AdminPrincipal,
  change: PolicyChange,
): Promise<PolicyChangeRecord> {
  const record = await deps.audit.commit(async (tx) => {
    const saved = await deps.policy.save(tx, change, actorOf(principal));
    return { result: saved, change: leafOf(principal, saved) };
  });
  await deps.policy.reload();
  return record;
}
