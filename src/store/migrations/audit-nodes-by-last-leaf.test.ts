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
import { CompactRange, leafHash, TransparencyLog } from '../../audit/index.js';
import { GroupCommitWriter } from '../../metering/index.js';
import { openPostgresStore, openSqliteStore, type Store } from '../index.js';
import { schemaMigrator } from '../migrate.js';
import type { StoreDialect } from '../store.js';

/*
 * Migration 0008 moves every tree node to its new key, and 0010 keeps only those of
 * level 4 and up. A log written under the old key (level, index), with every node, must
 * once migrated give the same roots and proofs and take new leaves where it left off.
 */

const leafText = (i: number) => `{"id":"chg_${i}","type":"commonweal.admin_change"}`;
const oldSize = 37;
const newLeaves = 12;

/** Migrates an empty database up to 0007 and writes `oldSize` leaves with their nodes as 0005 laid them out. */
async function writeOldLog(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const { error } = await schemaMigrator(db, dialect).migrateTo('0007-charges-without-usage-index');
  if (error !== undefined) throw error;
  const range = new CompactRange(0, []);
  for (let i = 0; i < oldSize; i += 1) {
    await sql`insert into audit_leaves (idx, kind, entry_id, organization_id, created_at, entry) values (${i}, 'admin_change', ${`chg_${i}`}, null, '2027-01-01T00:00:00.000Z', ${leafText(i)})`.execute(db);
    for (const node of range.append(leafHash(Buffer.from(leafText(i))))) {
      await sql`insert into audit_nodes (level, idx, hash) values (${node.level}, ${node.index}, ${node.hash})`.execute(db);
    }
  }
}

async function checkMigratedLog(store: Store): Promise<void> {
  const log = new TransparencyLog(store);
  const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
  const levels = await store.db.selectFrom('auditNodes').select('level').orderBy('level').execute();
  assert.deepEqual(levels.map((row) => row.level), [4, 4, 5], 'the nodes over 16 leaves and more, and no other');
  const old = Array.from({ length: oldSize }, (_, i) => Buffer.from(leafText(i)));
  for (let size = 1; size <= oldSize; size += 1) {
    assert.ok((await log.rootAt(size)).equals(referenceRoot(old.slice(0, size))), `root of size ${size}`);
  }
  for (let index = 0; index < oldSize; index += 1) assert.deepEqual(await log.inclusionProof(index, oldSize), referenceInclusionProof(index, old), `inclusion of ${index}`);

  await Promise.all(
    Array.from({ length: newLeaves }, (_, j) => oldSize + j).map((i) =>
      writer.submit((tx) => log.append(tx, { kind: 'admin_change', entryId: `chg_${i}`, organizationId: null, createdAt: '2027-01-01T00:00:00.000Z', text: leafText(i) })),
    ),
  );
  const all = Array.from({ length: oldSize + newLeaves }, (_, i) => Buffer.from(leafText(i)));
  assert.equal(await log.size(), all.length);
  assert.ok((await log.rootAt(all.length)).equals(referenceRoot(all)), 'root after appending to the migrated log');
  assert.deepEqual(await log.inclusionProof(3, all.length), referenceInclusionProof(3, all));
}

test('0008 keeps a log written under the old node key on SQLite', async () => {
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

test('0008 keeps a log written under the old node key on PostgreSQL', async (t) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  try {
    const before = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }) });
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
