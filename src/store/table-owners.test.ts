import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { Database } from './database.js';

/**
 * Which module owns each table. Only the owner names a table in a query; every other
 * module asks the owner through its interface (docs/architecture.md). `satisfies`
 * makes a new table fail to compile until it is given an owner here.
 */
const tableOwners = {
  organizations: 'tenancy',
  projects: 'tenancy',
  apiKeys: 'tenancy',
  models: 'catalog',
  sites: 'catalog',
  deployments: 'catalog',
  usageRecords: 'metering',
  usageRollups: 'metering',
  usageRollupCursor: 'metering',
  usageDenials: 'metering',
  ledgerAccounts: 'ledger',
  ledgerTransfers: 'ledger',
  ledgerRequestHolds: 'ledger',
  ledgerBudgets: 'ledger',
  fundPrograms: 'ledger',
  fundApplications: 'ledger',
  rateLimits: 'limits',
  auditLeaves: 'audit',
  auditCheckpoints: 'audit',
  jurisdictionGroups: 'policy',
  organizationPolicies: 'policy',
  projectPolicies: 'policy',
  policyRules: 'policy',
  policyChanges: 'policy',
  policyHead: 'policy',
  adminChangeHead: 'audit',
  replicaLeases: 'replicas',
} as const satisfies Record<keyof Database, string>;

const srcDir = fileURLToPath(new URL('../../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The tables a source text names: in a Kysely call, or in SQL by their stored name when
 * that cannot be an ordinary word (it has an underscore).
 */
function tablesNamedIn(text: string): Set<string> {
  const named = new Set<string>();
  for (const table of Object.keys(tableOwners)) {
    const inCall = new RegExp(
      `\\b(selectFrom|insertInto|updateTable|deleteFrom|innerJoin|leftJoin|lockAppendOrder)\\(\\s*'${table}\\b`,
    );
    const stored = snakeCase(table);
    if (inCall.test(text) || (stored.includes('_') && new RegExp(`\\b${stored}\\b`).test(text))) named.add(table);
  }
  return named;
}

test("no module names another module's table, but store, home of the schema and migrations", () => {
  const trespasses: string[] = [];
  for (const path of sourceFiles(srcDir)) {
    const module = relative(srcDir, path).split(sep)[0]!;
    if (module === 'store') continue;
    for (const table of tablesNamedIn(readFileSync(path, 'utf8'))) {
      const owner = tableOwners[table as keyof typeof tableOwners];
      if (owner !== module) trespasses.push(`${relative(srcDir, path)} names ${table}, which ${owner} owns`);
    }
  }
  assert.deepEqual(trespasses, []);
});

test('the scan sees a table named in a query and in SQL', () => {
  assert.deepEqual([...tablesNamedIn("db.selectFrom('usageRecords as u')")], ['usageRecords']);
  assert.deepEqual([...tablesNamedIn('select idx from audit_leaves')], ['auditLeaves']);
  assert.deepEqual([...tablesNamedIn('usageRecords: 3, the models')], []);
});
