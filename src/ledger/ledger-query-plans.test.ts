import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompiledQuery, type Compilable } from 'kysely';
import { openSqliteStore, type Store } from '../store/index.js';
import { chargesQuery } from './budgets.js';
import { postedTransfersQuery } from './statement.js';

/*
 * Charges enter as few indexes as possible (migration 0009), so the readers of charges
 * must find them through the indexes that remain; a query that cannot would read the
 * whole ledger. SQLite's plan says which: "SCAN ledger_transfers" alone is a full scan.
 */

async function planOf(store: Store, query: Compilable): Promise<string[]> {
  const { sql, parameters } = query.compile();
  const { rows } = await store.db.executeQuery<{ detail: string }>(
    CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]),
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

const fullScan = /^SCAN ledger_transfers$/;

test("a statement finds an organization's transfers through the debit and credit indexes, not by reading the ledger", async () => {
  await withStore(async (store) => {
    const plan = await planOf(
      store,
      postedTransfersQuery(store.db, ['org:a', 'grant:a:1'])
        .where('createdAt', '>=', '2027-01-01T00:00:00.000Z')
        .selectAll()
        .orderBy('seq'),
    );
    assert.ok(!plan.some((detail) => fullScan.test(detail)), plan.join('\n'));
    assert.ok(
      plan.some((detail) => detail.includes('ledger_transfers_by_debit')),
      plan.join('\n'),
    );
    assert.ok(
      plan.some((detail) => detail.includes('ledger_transfers_by_credit')),
      plan.join('\n'),
    );
  });
});

test("a budget sums a period's charges through the debit index, not by reading the ledger", async () => {
  await withStore(async (store) => {
    const query = chargesQuery(store.db, ['org:a', 'grant:a:1'], '2027-03-01T00:00:00.000Z', '2027-04-01T00:00:00.000Z')
      .where('projectId', '=', 'p')
      .select('amountMicro');
    const plan = await planOf(store, query);
    assert.ok(!plan.some((detail) => fullScan.test(detail)), plan.join('\n'));
    assert.ok(
      plan.some((detail) =>
        /ledger_transfers_by_debit \(debit_account_id=\? AND created_at>\? AND created_at<\?\)/.test(detail),
      ),
      plan.join('\n'),
    );
  });
});
