import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openSqliteStore } from './sqlite-store.js';
import { WalCheckpointer } from './wal-checkpointer.js';

test('committed pages reach the database file through the worker, not through a commit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-checkpoint-'));
  const path = join(dir, 'commonweal.sqlite');
  const store = await openSqliteStore(path);
  try {
    const { rows } = await sql<{ walAutocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
    assert.equal(rows[0]?.walAutocheckpoint, 0, 'commits never checkpoint on the event loop');
    const marker = `checkpoint-marker-${process.pid}-${Date.now()}`;
    await sql`create table scratch (note text)`.execute(store.db);
    await sql`insert into scratch (note) values (${marker})`.execute(store.db);
    let inDatabaseFile = false;
    for (let attempt = 0; attempt < 100 && !inDatabaseFile; attempt += 1) {
      await sleep(50);
      inDatabaseFile = readFileSync(path).includes(marker);
    }
    assert.ok(inDatabaseFile, 'the worker copied the committed row from the WAL into the database file');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpointer whose database cannot be opened reports it and still stops', async () => {
  const errors: Error[] = [];
  const checkpointer = new WalCheckpointer(join(tmpdir(), 'commonweal-missing-dir', 'none', 'x.sqlite'), (error) =>
    errors.push(error),
  );
  for (let attempt = 0; attempt < 100 && errors.length === 0; attempt += 1) await sleep(20);
  assert.equal(errors.length, 1, 'the worker failure reaches the callback instead of crashing the process');
  await checkpointer.stop();
});
