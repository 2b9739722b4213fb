import type { Kysely, Selectable } from 'kysely';
import { CommonwealError } from '../errors/index.js';
import {
  type Database,
  nowIso,
  type Page,
  type PageRequest,
  type PolicyChangesTable,
  type Store,
  toPage,
  type WriteTransaction,
} from '../store/index.js';
import { type AppliedPolicyChange, applyPolicyChange } from './apply-policy-change.js';
import type { JurisdictionGroup } from './jurisdiction-group.js';
import type { PolicyChange, PolicyChangeKind, PolicyChangeRecord } from './policy-change.js';
import type { PolicyRule, RuleEffect, RuleMatch } from './policy-rule.js';
import type { PolicyState, StoredPolicy } from './policy-state.js';
import { type ResidencyPolicy, toResidencyPolicy } from './residency-policy.js';

export interface PolicyChangeFilter {
  /** Only changes to this organization's policy and its projects' policies. */
  readonly organizationId?: string | undefined;
}

function storedPolicy(row: { policy: string; version: number; updatedAt: string }): StoredPolicy {
  return {
    policy: toResidencyPolicy(JSON.parse(row.policy) as ResidencyPolicy),
    version: Number(row.version),
    updatedAt: row.updatedAt,
  };
}

function json(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

function toChangeRecord(row: Selectable<PolicyChangesTable>): PolicyChangeRecord {
  const version = Number(row.version);
  return {
    object: 'policy_change',
    id: String(version),
    version,
    createdAt: row.createdAt,
    actor: row.actor,
    kind: row.kind as PolicyChangeKind,
    subjectId: row.subjectId,
    organizationId: row.organizationId,
    before: row.before === null ? null : (JSON.parse(row.before) as unknown),
    after: row.after === null ? null : (JSON.parse(row.after) as unknown),
  };
}

/**
 * The policy state in the database. Every change, in the caller's transaction (so that
 * its log leaf commits with it), first bumps the version row, which makes concurrent
 * writers (replicas included) take turns, then re-reads the state, applies the change
 * with the same checks a simulation uses, writes the subject and records who changed
 * what, when, before and after.
 */
export class PolicyRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  load(): Promise<PolicyState> {
    return loadState(this.#store.db);
  }

  async save(tx: WriteTransaction, change: PolicyChange, actor: string): Promise<PolicyChangeRecord> {
    const db = tx.db;
    const head = await db
      .updateTable('policyHead')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('id', '=', 1)
      .returning('version')
      .executeTakeFirstOrThrow();
    const version = Number(head.version);
    const state = { ...(await loadState(db)), version: version - 1 };
    const applied = applyPolicyChange(state, change, { version, at: nowIso() });
    await persist(db, change, state, applied);
    const row = {
      version,
      createdAt: nowIso(),
      actor,
      kind: change.kind,
      subjectId: applied.subjectId,
      organizationId: applied.organizationId,
      before: json(applied.before),
      after: json(applied.after),
    };
    await db.insertInto('policyChanges').values(row).execute();
    return toChangeRecord(row);
  }

  /** Changes in version order, which is the order they were made. */
  async changes(filter: PolicyChangeFilter, page: PageRequest): Promise<Page<PolicyChangeRecord>> {
    let query = this.#store.db
      .selectFrom('policyChanges')
      .selectAll()
      .orderBy('version')
      .limit(page.limit + 1);
    if (filter.organizationId !== undefined) query = query.where('organizationId', '=', filter.organizationId);
    if (page.after !== undefined) {
      const after = Number(page.after);
      if (!Number.isSafeInteger(after) || after < 0)
        throw new CommonwealError('invalid_request', 'after must be a policy version number', { param: 'after' });
      query = query.where('version', '>', after);
    }
    return toPage((await query.execute()).map(toChangeRecord), page.limit);
  }
}

async function loadState(db: Kysely<Database>): Promise<PolicyState> {
  const [head, groupRows, organizationRows, projectRows, ruleRows] = await Promise.all([
    db.selectFrom('policyHead').select('version').where('id', '=', 1).executeTakeFirstOrThrow(),
    db.selectFrom('jurisdictionGroups').selectAll().orderBy('id').execute(),
    db.selectFrom('organizationPolicies').selectAll().execute(),
    db.selectFrom('projectPolicies').selectAll().execute(),
    db.selectFrom('policyRules').selectAll().orderBy('position').orderBy('id').execute(),
  ]);
  const groups = new Map<string, JurisdictionGroup>(
    groupRows.map((row) => [
      row.id,
      { object: 'jurisdiction_group', ...row, members: JSON.parse(row.members) as string[], builtIn: false },
    ]),
  );
  const projectPolicies = new Map<string, Map<string, StoredPolicy>>();
  for (const row of projectRows) {
    const ofOrganization = projectPolicies.get(row.organizationId) ?? new Map<string, StoredPolicy>();
    projectPolicies.set(row.organizationId, ofOrganization.set(row.projectId, storedPolicy(row)));
  }
  const rules: PolicyRule[] = ruleRows.map((row, index) => ({
    object: 'policy_rule',
    id: row.id,
    position: index,
    effect: row.effect as RuleEffect,
    match: JSON.parse(row.match) as RuleMatch,
    reason: row.reason,
    reference: row.reference,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }));
  return {
    version: Number(head.version),
    groups,
    organizationPolicies: new Map(organizationRows.map((row) => [row.organizationId, storedPolicy(row)])),
    projectPolicies,
    rules,
  };
}

async function persist(
  tx: Kysely<Database>,
  change: PolicyChange,
  before: PolicyState,
  applied: AppliedPolicyChange,
): Promise<void> {
  const after = applied.state;
  switch (change.kind) {
    case 'organization_policy': {
      const row = {
        organizationId: change.organizationId,
        policy: JSON.stringify(change.policy),
        version: after.version,
        updatedAt: nowIso(),
      };
      await tx
        .insertInto('organizationPolicies')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('organizationId')
            .doUpdateSet({ policy: row.policy, version: row.version, updatedAt: row.updatedAt }),
        )
        .execute();
      return;
    }
    case 'project_policy':
      return persistProjectPolicy(tx, change.organizationId, change.projectId, change.policy, after.version);
    case 'rule':
    case 'rule_removal':
      return persistRules(tx, before.rules, after.rules);
    case 'jurisdiction_group':
    case 'jurisdiction_group_removal':
      return persistGroup(tx, applied.subjectId, after.groups.get(applied.subjectId));
  }
}

async function persistProjectPolicy(
  tx: Kysely<Database>,
  organizationId: string,
  projectId: string,
  policy: ResidencyPolicy | null,
  version: number,
): Promise<void> {
  if (policy === null) {
    await tx
      .deleteFrom('projectPolicies')
      .where('organizationId', '=', organizationId)
      .where('projectId', '=', projectId)
      .execute();
    return;
  }
  const row = { organizationId, projectId, policy: JSON.stringify(policy), version, updatedAt: nowIso() };
  await tx
    .insertInto('projectPolicies')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['organizationId', 'projectId'])
        .doUpdateSet({ policy: row.policy, version, updatedAt: row.updatedAt }),
    )
    .execute();
}

/** Writes only the rules that changed: the new or replaced one, the removed one, and those that moved. */
async function persistRules(
  tx: Kysely<Database>,
  before: readonly PolicyRule[],
  after: readonly PolicyRule[],
): Promise<void> {
  const old = new Map(before.map((rule) => [rule.id, rule]));
  for (const rule of after) {
    if (old.get(rule.id) === rule) continue;
    const row = { ...rule, match: JSON.stringify(rule.match) };
    const { object: _kind, ...columns } = row;
    await tx
      .insertInto('policyRules')
      .values(columns)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          position: columns.position,
          effect: columns.effect,
          match: columns.match,
          reason: columns.reason,
          reference: columns.reference,
          updatedAt: columns.updatedAt,
        }),
      )
      .execute();
  }
  const kept = new Set(after.map((rule) => rule.id));
  const removed = before.filter((rule) => !kept.has(rule.id)).map((rule) => rule.id);
  if (removed.length > 0) await tx.deleteFrom('policyRules').where('id', 'in', removed).execute();
}

async function persistGroup(tx: Kysely<Database>, id: string, group: JurisdictionGroup | undefined): Promise<void> {
  if (group === undefined) {
    await tx.deleteFrom('jurisdictionGroups').where('id', '=', id).execute();
    return;
  }
  const row = {
    id,
    name: group.name,
    members: JSON.stringify(group.members),
    createdAt: group.createdAt!,
    updatedAt: group.updatedAt!,
  };
  await tx
    .insertInto('jurisdictionGroups')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet({ name: row.name, members: row.members, updatedAt: row.updatedAt }))
    .execute();
}
