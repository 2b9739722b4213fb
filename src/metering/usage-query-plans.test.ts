import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompiledQuery } from 'kysely';
import { openSqliteStore, type Store } from '../store/index.js';

/*
 * The console's reads must go through an index: a request list or a chart that read every
 * record or every rollup row would grow with the platform's history. SQLite's plan says
 * which: "SCAN <table>" alone is a full scan, "USE TEMP B-TREE" a sort of all that matched.
 */

async function planOf(store: Store, text: string, parameters: readonly unknown[]): Promise<string[]> {
  const { rows } = await store.db.executeQuery<{ detail: string }>(
    CompiledQuery.raw(`explain query plan ${text}`, [...parameters]),
  );
  return rows.map((row) => row.detail);
}

async function withStore(body: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-plans-'));
  const store = await openSqliteStore(join(dir, 'commonweal.sqlite'));
  try {
    await body(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("an organization's request list, newest first, walks an index in order instead of sorting its records", async () => {
  await withStore(async (store) => {
    const { sql, parameters } = store.db
      .selectFrom('usageRecords')
      .selectAll()
      .where('organizationId', '=', 'acme')
      .where('seq', '<', 1000)
      .orderBy('seq', 'desc')
      .limit(51)
      .compile();
    const plan = await planOf(store, sql, parameters);
    assert.ok(
      plan.some((detail) => detail.includes('usage_records_by_organization_seq')),
      plan.join('\n'),
    );
    assert.ok(!plan.some((detail) => detail.includes('TEMP B-TREE')), plan.join('\n'));
  });
});

test("a chart of one organization reads its period's rollup rows through an index", async () => {
  await withStore(async (store) => {
    const plan = await planOf(
      store,
      `select bucket_start, sum(requests) from usage_rollups
        where granularity = ? and bucket_start >= ? and bucket_start < ? and organization_id = ?
        group by bucket_start`,
      ['day:org', '2026-01-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z', 'acme'],
    );
    assert.ok(!plan.some((detail) => /^SCAN usage_rollups$/.test(detail)), plan.join('\n'));
  });
});
