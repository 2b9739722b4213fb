import type { Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from '../store.js';
import { foundation } from './0001-foundation.js';
import { usageRecords } from './0002-usage-records.js';
import { policy } from './0003-policy.js';
import { ledger } from './0004-ledger.js';
import { auditLog } from './0005-audit-log.js';
import { embeddedDeployments } from './0006-embedded-deployments.js';
import { chargesWithoutUsageIndex } from './0007-charges-without-usage-index.js';
import { auditNodesByLastLeaf } from './0008-audit-nodes-by-last-leaf.js';
import { chargesInFewerIndexes } from './0009-charges-in-fewer-indexes.js';
import { auditNodesFromSixteenLeaves } from './0010-audit-nodes-from-sixteen-leaves.js';
import { auditLeavesCarryTheirNodes } from './0011-audit-leaves-carry-their-nodes.js';
import { usageRecordsCarryCredits } from './0012-usage-records-carry-credits.js';
import { rateLimitsPerOrganization } from './0013-rate-limits-per-organization.js';
import { usageRollups } from './0014-usage-rollups.js';
import { ledgerRequestHolds } from './0015-ledger-request-holds.js';
import { replicaCoordination } from './0016-replica-coordination.js';

/**
 * Migrations live in code, not in files found at run time, so that a bundled or
 * installed build always carries exactly the migrations it was built with. Each is built
 * for the dialect it runs on, so that the few spellings that differ (collation, 64-bit
 * integers, the append-order key) are decided where the table is defined.
 */
export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  const migrations: Readonly<Record<string, Migration>> = Object.freeze({
    '0001-foundation': foundation(dialect),
    '0002-usage-records': usageRecords(dialect),
    '0003-policy': policy(dialect),
    '0004-ledger': ledger(dialect),
    '0005-audit-log': auditLog(dialect),
    '0006-embedded-deployments': embeddedDeployments(dialect),
    '0007-charges-without-usage-index': chargesWithoutUsageIndex(dialect),
    '0008-audit-nodes-by-last-leaf': auditNodesByLastLeaf(dialect),
    '0009-charges-in-fewer-indexes': chargesInFewerIndexes(dialect),
    '0010-audit-nodes-from-sixteen-leaves': auditNodesFromSixteenLeaves(),
    '0011-audit-leaves-carry-their-nodes': auditLeavesCarryTheirNodes(dialect),
    '0012-usage-records-carry-credits': usageRecordsCarryCredits(dialect),
    '0013-rate-limits-per-organization': rateLimitsPerOrganization(dialect),
    '0014-usage-rollups': usageRollups(dialect),
    '0015-ledger-request-holds': ledgerRequestHolds(dialect),
    '0016-replica-coordination': replicaCoordination(dialect),
  });
  return { getMigrations: async () => ({ ...migrations }) };
}
