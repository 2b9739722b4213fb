import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testOnEachStore } from '../../test/helpers/each-store.js';
import { RowInserter } from './insert-rows.js';
import type { Store } from './store.js';

// Counts on both sides of each split: one statement up to 16 rows, then powers of two up to 256 per statement.
const counts = [0, 1, 16, 17, 37, 256, 300, 700];

async function insertsEveryRowInOrder(store: Store): Promise<void> {
  await sql`create table scratch_rows (n integer primary key, label text not null, maybe text)`.execute(store.db);
  const inserter = new RowInserter(store.dialect, 'scratch_rows', ['n', 'label', 'maybe']);
  let next = 0;
  for (const count of counts) {
    const rows = Array.from({ length: count }, (_, i) => [next + i, `row ${next + i}`, i % 3 === 0 ? null : `m${i}`]);
    await store.db.transaction().execute((tx) => inserter.insert(tx, rows));
    next += count;
    const { rows: stored } = await sql<{
      n: number;
      label: string;
      maybe: string | null;
    }>`select n, label, maybe from scratch_rows order by n`.execute(store.db);
    assert.equal(stored.length, next, `after inserting ${count} rows`);
    for (const [i, row] of stored.entries()) assert.deepEqual([Number(row.n), row.label], [i, `row ${i}`]);
  }
  const nulls = await sql<{ c: number | string }>`select count(*) as c from scratch_rows where maybe is null`.execute(
    store.db,
  );
  assert.ok(Number(nulls.rows[0]!.c) > 0, 'null values are bound as nulls');
}

testOnEachStore('RowInserter writes every row, in order, whatever the count', (_t, store) =>
  insertsEveryRowInOrder(store),
);

async function writesFixedColumnsInEveryRow(store: Store): Promise<void> {
  await sql`create table scratch_fixed (n integer primary key, kind text not null, note text not null)`.execute(
    store.db,
  );
  const inserter = new RowInserter(store.dialect, 'scratch_fixed', ['n'], { kind: 'charge', note: "it's fixed" });
  const rows = Array.from({ length: 300 }, (_, i) => [i]);
  await store.db.transaction().execute((tx) => inserter.insert(tx, rows));
  const { rows: stored } = await sql<{
    n: number;
    kind: string;
    note: string;
  }>`select n, kind, note from scratch_fixed order by n`.execute(store.db);
  assert.deepEqual(
    stored.map((row) => [Number(row.n), row.kind, row.note]),
    rows.map(([n]) => [n, 'charge', "it's fixed"]),
  );
}

testOnEachStore('RowInserter writes fixed columns, quotes and all, into every row', (_t, store) =>
  writesFixedColumnsInEveryRow(store),
);
