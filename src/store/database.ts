import type { Generated } from 'kysely';
import type { AdminChangeHeadTable, AuditCheckpointsTable, AuditLeavesTable } from './audit-tables.js';
import type {
  FundApplicationsTable,
  FundProgramsTable,
  LedgerAccountsTable,
  LedgerBudgetsTable,
  LedgerRequestHoldsTable,
  LedgerTransfersTable,
  RateLimitsTable,
} from './ledger-tables.js';
import type {
  JurisdictionGroupsTable,
  OrganizationPoliciesTable,
  PolicyChangesTable,
  PolicyHeadTable,
  PolicyRulesTable,
  ProjectPoliciesTable,
} from './policy-tables.js';
import type { ReplicaLeasesTable } from './replica-tables.js';

/*
 * The schema as Kysely sees it, in camelCase (the CamelCasePlugin maps it to the
 * snake_case columns). Timestamps are ISO-8601 UTC strings and money is integer
 * micro-credits, so that both SQLite and PostgreSQL hold them without conversion.
 * Booleans are integers 0/1 for the same reason. PostgreSQL's `bigint` is read back as
 * a number too (see `postgres-types.ts`), so every numeric column here is a number.
 */

export interface OrganizationsTable {
  id: string;
  name: string;
  homeJurisdiction: string;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectsTable {
  id: string;
  organizationId: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface ApiKeysTable {
  id: string;
  organizationId: string;
  projectId: string | null;
  role: string;
  name: string | null;
  prefix: string;
  secretHash: string;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface ModelsTable {
  id: string;
  family: string | null;
  origin: string | null;
  license: string | null;
  parameterCount: number | null;
  contextLength: number | null;
  inputPriceMicroPerMtok: number;
  outputPriceMicroPerMtok: number;
  tags: string;
  createdAt: string;
  updatedAt: string;
}

export interface SitesTable {
  id: string;
  name: string;
  jurisdiction: string;
  region: string | null;
  city: string | null;
  accelerators: string;
  powerKw: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentsTable {
  id: string;
  modelId: string;
  siteId: string;
  kind: string;
  baseUrl: string | null;
  upstreamModel: string | null;
  upstreamApiKeySealed: string | null;
  /** Migration 0006: the model file of an `embedded` deployment, and its engine options as JSON. */
  source: string | null;
  engineOptions: string | null;
  weight: number;
  enabled: number;
  createdAt: string;
  updatedAt: string;
}

/** One row per request through the gateway; `seq` is the append order that export cursors follow. */
export interface UsageRecordsTable {
  seq: Generated<number>;
  id: string;
  createdAt: string;
  organizationId: string;
  projectId: string;
  apiKeyId: string;
  modelId: string;
  endpoint: string;
  deploymentId: string | null;
  siteId: string | null;
  jurisdiction: string | null;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  usageEstimated: number;
  firstByteMs: number | null;
  totalMs: number;
  status: number;
  outcome: string;
  errorCode: string | null;
  streamed: number;
  /** The policy version the request was decided with (migration 0003); null for records from before it. */
  policyVersion: number | null;
  /** The transparency-log index of the record's receipt (migration 0011); null for a record written without one. */
  receiptLeaf: number | null;
  /** The request's tokens at its model's prices (migration 0012); null when it ran unmetered. */
  creditsPricedMicro: number | null;
  /** What its organization was charged: the priced cost, at most the hold. */
  creditsChargedMicro: number | null;
  /** What the platform wrote off: priced less charged. */
  creditsWrittenOffMicro: number | null;
}

/**
 * Hourly and daily sums of usage (migration 0014). Its histogram columns, `latency_b00`
 * to `latency_b19` and `first_byte_b00` to `first_byte_b19`, are read and written by
 * metering in SQL built from `rollupHistogramColumns`, so they are not listed here.
 */
export interface UsageRollupsTable {
  granularity: string;
  bucketStart: string;
  organizationId: string;
  projectId: string;
  apiKeyId: string;
  modelId: string;
  siteId: string;
  jurisdiction: string;
  status: number;
  outcome: string;
  errorCode: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  creditsPricedMicro: number;
  creditsChargedMicro: number;
  creditsWrittenOffMicro: number;
  latencyMsSum: number;
  firstByteMsSum: number;
  firstByteCount: number;
  /** Requests that did not end in success. */
  errors: number;
}

/** How far each follower of `usage_records.seq` has read: the last seq it has added in. */
export interface UsageRollupCursorTable {
  name: string;
  seq: number;
}

/** Requests refused before admission, which have no usage record, per hour, organization ('' if unknown) and code. */
export interface UsageDenialsTable {
  bucketStart: string;
  organizationId: string;
  errorCode: string;
  requests: number;
}

export interface Database {
  organizations: OrganizationsTable;
  projects: ProjectsTable;
  apiKeys: ApiKeysTable;
  models: ModelsTable;
  sites: SitesTable;
  deployments: DeploymentsTable;
  usageRecords: UsageRecordsTable;
  usageRollups: UsageRollupsTable;
  usageRollupCursor: UsageRollupCursorTable;
  usageDenials: UsageDenialsTable;
  ledgerAccounts: LedgerAccountsTable;
  ledgerTransfers: LedgerTransfersTable;
  ledgerRequestHolds: LedgerRequestHoldsTable;
  ledgerBudgets: LedgerBudgetsTable;
  rateLimits: RateLimitsTable;
  fundPrograms: FundProgramsTable;
  fundApplications: FundApplicationsTable;
  auditLeaves: AuditLeavesTable;
  auditCheckpoints: AuditCheckpointsTable;
  jurisdictionGroups: JurisdictionGroupsTable;
  organizationPolicies: OrganizationPoliciesTable;
  projectPolicies: ProjectPoliciesTable;
  policyRules: PolicyRulesTable;
  policyChanges: PolicyChangesTable;
  policyHead: PolicyHeadTable;
  adminChangeHead: AdminChangeHeadTable;
  replicaLeases: ReplicaLeasesTable;
}
