export type {
  ApiKeysTable,
  Database,
  DeploymentsTable,
  ModelsTable,
  OrganizationsTable,
  ProjectsTable,
  SitesTable,
  UsageRecordsTable,
  UsageRollupsTable,
} from './database.js';
export { rollupHistogramColumns } from './migrations/0014-usage-rollups.js';
export type {
  FundApplicationsTable,
  FundProgramsTable,
  LedgerAccountsTable,
  LedgerBudgetsTable,
  LedgerTransfersTable,
  RateLimitsTable,
} from './ledger-tables.js';
export type { PolicyChangesTable } from './policy-tables.js';
export { openSqliteStore } from './sqlite-store.js';
export { openReadOnlySqliteStore } from './open-read-only-sqlite-store.js';
export { openPostgresStore } from './postgres-store.js';
export { openStore } from './open-store.js';
export type { Store, StoreDialect } from './store.js';
export { type Page, type PageRequest, pageLimitDefault, pageLimitMax, toPage } from './page.js';
export { newRecordId, newTimeOrderedId, nowIso } from './record-id.js';
export { insertUnique } from './insert-unique.js';
export { RowInserter } from './insert-rows.js';
export { definedColumns } from './defined-columns.js';
export type { RecordUpdate } from './record-update.js';
export { type AppendOnlyTable, WriteTransaction } from './write-transaction.js';
export { GroupCommitWriter, type WriteJob } from './group-commit-writer.js';
