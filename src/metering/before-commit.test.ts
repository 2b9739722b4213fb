import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openSqliteStore, type Store } from '../store/index.js';
import { beforeCommit } from './before-commit.js';
import { GroupCommitWriter } from './group-commit-writer.js';

describe('beforeCommit', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commonweal-hooks-'));
    store = await openSqliteStore(join(dir, 'commonweal.db'));
    await sql`create table scratch (id text primary key)`.execute(store.db);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs once per writer transaction, after all its jobs, with what they left for it', async () => {
    const writer = new GroupCommitWriter(store);
    const key = {};
    const pending = new WeakMap<object, string[]>();
    let runs = 0;
    const job = (id: string) =>
      writer.submit(async (tx) => {
        if (!pending.has(tx)) pending.set(tx, []);
        pending.get(tx)!.push(id);
        assert.equal(
          beforeCommit(tx, key, async (t) => {
            runs += 1;
            for (const row of pending.get(t)!) await sql`insert into scratch (id) values (${row})`.execute(t);
          }),
          true,
        );
      });
    await Promise.all(['a', 'b', 'c', 'd'].map(job));
    const { rows } = await sql<{ id: string }>`select id from scratch order by id`.execute(store.db);
    assert.deepEqual(rows.map((r) => r.id), ['a', 'b', 'c', 'd']);
    assert.equal(runs, writer.stats().transactionsCommitted);
    assert.ok(runs < 4);
    await writer.close();
  });

  it('refuses a transaction that is not the writer\'s, and a failing hook fails the batch, which is then split', async () => {
    await store.db.transaction().execute(async (tx) => assert.equal(beforeCommit(tx, {}, async () => undefined), false));
    const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
    const results = await Promise.allSettled(
      ['x', 'x', 'y'].map((id) =>
        writer.submit(async (tx) => {
          beforeCommit(tx, {}, async (t) => {
            await sql`insert into scratch (id) values (${id})`.execute(t);
          });
        }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    await writer.close();
  });
});
