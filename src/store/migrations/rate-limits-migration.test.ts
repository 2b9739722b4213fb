import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { requireService } from '../../../test/helpers/require-service.js';
import { createTempPostgresDatabase, postgresService } from '../../../test/helpers/temp-postgres-database.js';
import { writeOnce } from '../../../test/helpers/write-once.js';
import { RateLimits } from '../../limits/index.js';
import { openPostgresStore, openSqliteStore, type Store } from '../index.js';
import { schemaMigrator } from '../migrate.js';
import type { StoreDialect } from '../store.js';

/*
 * 0013 moves rate limits to a key of organization and id: a rule stored before it must
 * keep its limits, and a second organization must then be able to have a rule of the
 * same id.
 */

async function writeOldRule(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const { error } = await schemaMigrator(db, dialect).migrateTo('0012-usage-records-carry-credits');
  if (error !== undefined) throw error;
  const at = '2027-01-01T00:00:00.000Z';
  for (const organizationId of ['x', 'y']) {
    await sql`insert into organizations (id, name, home_jurisdiction, created_at, updated_at)
      values (${organizationId}, ${organizationId}, 'DE', ${at}, ${at})`.execute(db);
  }
  await sql`insert into rate_limits
      (id, organization_id, scope, scope_id, requests_per_minute, tokens_per_minute, updated_at)
    values ('project:main', 'x', 'project', 'main', 10, 1000, ${at})`.execute(db);
}

async function checkMigratedRules(store: Store): Promise<void> {
  const limits = await RateLimits.open(store);
  const kept = limits.forProject('x', 'main');
  assert.deepEqual([kept?.requestsPerMinute, kept?.tokensPerMinute], [10, 1000], 'the rule from before 0013');
  await writeOnce(store, (tx) => limits.set(tx, 'y', { scope: 'project', scopeId: 'main', requestsPerMinute: 20 }));
  await limits.reload();
  assert.equal(limits.forProject('y', 'main')?.requestsPerMinute, 20);
  assert.equal(limits.forProject('x', 'main')?.requestsPerMinute, 10);
}

test('a rate limit stored before 0013 keeps its limits on SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-migration-'));
  const path = join(dir, 'commonweal.sqlite');
  try {
    const before = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
    await writeOldRule(before, 'sqlite');
    await before.destroy();
    const store = await openSqliteStore(path);
    try {
      await checkMigratedRules(store);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rate limit stored before 0013 keeps its limits on PostgreSQL', async (t) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  try {
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const before = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    await writeOldRule(before, 'postgres');
    await before.destroy();
    const store = await openPostgresStore(database.url);
    try {
      await checkMigratedRules(store);
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
});
