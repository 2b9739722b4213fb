import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { requireService } from '../../../test/helpers/require-service.js';
import { referenceInclusionProof, referenceRoot } from '../../../test/helpers/rfc9162-reference.js';
import { createTempPostgresDatabase, postgresService } from '../../../test/helpers/temp-postgres-database.js';
import { CompactRange, findReceipt, leafHash, TransparencyLog } from '../../audit/index.js';
import { UsageRepository } from '../../metering/index.js';
import { GroupCommitWriter } from '../group-commit-writer.js';
import { openPostgresStore, openSqliteStore, type Store } from '../index.js';
import { schemaMigrator } from '../migrate.js';
import type { StoreDialect } from '../store.js';

/*
 * Every layout the log's tables have had must migrate to the current one unchanged:
 * 0008 moves every tree node to a new key, 0010 keeps only those of level 4 and up, and
 * 0011 moves those into the rows of the leaves they end at and finds receipts through
 * their usage records. A log written under the first layout (nodes keyed by level and
 * index, every node kept, receipts found by a unique entry id), with receipts and admin
 * changes, must once migrated give the same roots and proofs, find every receipt, and
 * take new leaves where it left off.
 */

/** Every third leaf is a receipt of usage record `req_<i>`; the others are admin changes. */
const isReceipt = (i: number) => i % 3 === 1;
const leafText = (i: number) =>
  isReceipt(i)
    ? `{"id":"req_${i}","organizationId":"org_${i % 2}","type":"commonweal.receipt"}`
    : `{"id":"chg_${i}","type":"commonweal.admin_change"}`;
const oldSize = 37;
const newLeaves = 12;

async function insertUsageRecord(db: Kysely<unknown>, id: string, organizationId: string): Promise<void> {
  await sql`insert into usage_records (id, created_at, organization_id, project_id, api_key_id, model_id, endpoint, prompt_tokens, completion_tokens, total_tokens, usage_estimated, total_ms, status, outcome, streamed)
    values (${id}, '2027-01-01T00:00:00.000Z', ${organizationId}, 'p', 'k', 'm', 'chat.completions', 1, 1, 2, 0, 5, 200, 'success', 0)`.execute(
    db,
  );
}

/**
 * Migrates an empty database up to 0007 and writes `oldSize` leaves with their nodes as
 * 0005 laid them out, each receipt with its usage record, and a usage record from before
 * the log that has no receipt.
 */
async function writeOldLog(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const { error } = await schemaMigrator(db, dialect).migrateTo('0007-charges-without-usage-index');
  if (error !== undefined) throw error;
  await insertUsageRecord(db, 'req_before_the_log', 'org_0');
  const range = new CompactRange(0, []);
  for (let i = 0; i < oldSize; i += 1) {
    const [kind, id, organizationId] = isReceipt(i)
      ? ['receipt', `req_${i}`, `org_${i % 2}`]
      : ['admin_change', `chg_${i}`, null];
    await sql`insert into audit_leaves (idx, kind, entry_id, organization_id, created_at, entry) values (${i}, ${kind}, ${id}, ${organizationId}, '2027-01-01T00:00:00.000Z', ${leafText(i)})`.execute(
      db,
    );
    if (organizationId !== null) await insertUsageRecord(db, id, organizationId);
    for (const node of range.append(leafHash(Buffer.from(leafText(i))))) {
      await sql`insert into audit_nodes (level, idx, hash) values (${node.level}, ${node.index}, ${node.hash})`.execute(
        db,
      );
    }
  }
}

async function checkMigratedLog(store: Store): Promise<void> {
  const log = new TransparencyLog(store);
  const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
  const kept = await store.db
    .selectFrom('auditLeaves')
    .select(['idx', 'subtreeHashes'])
    .where('subtreeHashes', 'is not', null)
    .orderBy('idx')
    .execute();
  assert.deepEqual(
    kept.map((row) => [Number(row.idx), row.subtreeHashes!.length]),
    [
      [15, 32],
      [31, 64],
    ],
    'the nodes over 16 leaves and more, on the leaves they end at, and no other',
  );
  for (let i = 0; i < oldSize; i += 1) {
    const found = await findReceipt(new UsageRepository(store), log, `req_${i}`);
    assert.deepEqual(
      found,
      isReceipt(i) ? { index: i, text: leafText(i), organizationId: `org_${i % 2}` } : undefined,
      `receipt req_${i}`,
    );
  }
  const before = await store.db
    .selectFrom('usageRecords')
    .select('receiptLeaf')
    .where('id', '=', 'req_before_the_log')
    .executeTakeFirstOrThrow();
  assert.equal(before.receiptLeaf, null, 'a usage record from before the log names no leaf');
  const old = Array.from({ length: oldSize }, (_, i) => Buffer.from(leafText(i)));
  for (let size = 1; size <= oldSize; size += 1) {
    assert.ok((await log.rootAt(size)).equals(referenceRoot(old.slice(0, size))), `root of size ${size}`);
  }
  for (let index = 0; index < oldSize; index += 1)
    assert.deepEqual(
      await log.inclusionProof(index, oldSize),
      referenceInclusionProof(index, old),
      `inclusion of ${index}`,
    );

  await Promise.all(
    Array.from({ length: newLeaves }, (_, j) => oldSize + j).map((i) =>
      writer.submit((tx) => log.append(tx, leafText(i))),
    ),
  );
  const all = Array.from({ length: oldSize + newLeaves }, (_, i) => Buffer.from(leafText(i)));
  assert.equal(await log.size(), all.length);
  assert.ok((await log.rootAt(all.length)).equals(referenceRoot(all)), 'root after appending to the migrated log');
  assert.deepEqual(await log.inclusionProof(3, all.length), referenceInclusionProof(3, all));
}

test('a log written under the first layout keeps its roots, proofs and receipts on SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-migration-'));
  const path = join(dir, 'commonweal.sqlite');
  try {
    const before = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
    await writeOldLog(before, 'sqlite');
    await before.destroy();
    const store = await openSqliteStore(path);
    try {
      await checkMigratedLog(store);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a log written under the first layout keeps its roots, proofs and receipts on PostgreSQL', async (t) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  try {
    const before = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }),
    });
    await writeOldLog(before, 'postgres');
    await before.destroy();
    const store = await openPostgresStore(database.url);
    try {
      await checkMigratedLog(store);
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
});
