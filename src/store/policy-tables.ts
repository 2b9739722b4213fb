/*
 * The policy module's tables (migration 0003-policy), in the same conventions as
 * database.ts. Policies, rule matches and group members are JSON text: they are read
 * whole into memory and never queried by their parts.
 */

export interface JurisdictionGroupsTable {
  id: string;
  name: string;
  members: string;
  createdAt: string;
  updatedAt: string;
}

export interface OrganizationPoliciesTable {
  organizationId: string;
  policy: string;
  /** The policy version that set it. */
  version: number;
  updatedAt: string;
}

export interface ProjectPoliciesTable {
  organizationId: string;
  projectId: string;
  policy: string;
  version: number;
  updatedAt: string;
}

export interface PolicyRulesTable {
  id: string;
  /** Evaluation order from 0; kept dense by every change. */
  position: number;
  effect: string;
  match: string;
  reason: string;
  reference: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One row per change to policies, rules or groups: the version it made, who, when, before and after (JSON). */
export interface PolicyChangesTable {
  version: number;
  createdAt: string;
  actor: string;
  kind: string;
  subjectId: string;
  organizationId: string | null;
  before: string | null;
  after: string | null;
}

/** One row holding the current policy version; writers bump it first, which orders them. */
export interface PolicyHeadTable {
  id: number;
  version: number;
}
