export type {
  ApiKeysTable,
  Database,
  DeploymentsTable,
  ModelsTable,
  OrganizationsTable,
  ProjectsTable,
  SitesTable,
  UsageRecordsTable,
} from './database.js';
export type {
  FundApplicationsTable,
  FundProgramsTable,
  LedgerAccountsTable,
  LedgerBudgetsTable,
  LedgerTransfersTable,
  RateLimitsTable,
} from './ledger-tables.js';
export type { AuditCheckpointsTable, AuditLeavesTable, AuditNodesTable } from './audit-tables.js';
export type {
  JurisdictionGroupsTable,
  OrganizationPoliciesTable,
  PolicyChangesTable,
  PolicyHeadTable,
  PolicyRulesTable,
  ProjectPoliciesTable,
} from './policy-tables.js';
export { migrateToLatest } from './migrate.js';
export { openSqliteStore } from './sqlite-store.js';
export { openReadOnlySqliteStore } from './open-read-only-sqlite-store.js';
export { openPostgresStore, type OpenPostgresStoreOptions } from './postgres-store.js';
export { type PostgresStoreOptions, postgresStoreDefaults, resolvePostgresStoreOptions } from './postgres-store-options.js';
export { openStore } from './open-store.js';
export { type AppendOnlyTable, lockAppendOrder } from './lock-append-order.js';
export type { ConstraintViolation, Store, StoreDialect } from './store.js';
export { type Page, type PageRequest, pageLimitDefault, pageLimitMax, toPage } from './page.js';
export { newRecordId, newTimeOrderedId, nowIso } from './record-id.js';
export { insertUnique } from './insert-unique.js';
export { RowInserter } from './insert-rows.js';
export { definedColumns } from './defined-columns.js';
