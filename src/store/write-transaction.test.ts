import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { CommonwealError } from '../errors/index.js';
import { GroupCommitWriter } from './group-commit-writer.js';
import { openSqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

describe('WriteTransaction', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commonweal-write-tx-'));
    store = await openSqliteStore(join(dir, 'commonweal.db'));
    await sql`create table scratch (id text primary key)`.execute(store.db);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes each batch once per transaction, after all its jobs, with what they left in it', async () => {
    const writer = new GroupCommitWriter(store);
    const owner = {};
    let writes = 0;
    const job = (id: string) =>
      writer.submit(async (tx) => {
        const rows = tx.batch(
          owner,
          (): string[] => [],
          async (committing, ids) => {
            writes += 1;
            for (const each of ids) await sql`insert into scratch (id) values (${each})`.execute(committing.db);
          },
        );
        rows.push(id);
        const { rows: seen } = await sql<{ id: string }>`select id from scratch where id = ${id}`.execute(tx.db);
        assert.deepEqual(seen, [], 'a batched row is not written before the jobs are done');
      });
    await Promise.all(['a', 'b', 'c', 'd'].map(job));
    const { rows } = await sql<{ id: string }>`select id from scratch order by id`.execute(store.db);
    assert.deepEqual(
      rows.map((r) => r.id),
      ['a', 'b', 'c', 'd'],
    );
    assert.equal(writes, writer.stats().transactionsCommitted);
    assert.ok(writes < 4, `${writes} writes for 4 jobs`);
    await writer.close();
  });

  it('runs the actions after commit of the run that committed, once, and none of a run that was rolled back', async () => {
    const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
    const actions: string[] = [];
    const job = (id: string, fail: boolean) =>
      writer.submit(async (tx) => {
        await sql`insert into scratch (id) values (${id})`.execute(tx.db);
        tx.afterCommit(() => actions.push(id));
        if (fail) throw new Error(`${id} refused`);
      });
    const results = await Promise.allSettled([job('a', false), job('b', true), job('c', false)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    // a and c ran twice (with b, then without it), but only their committed runs' actions ran.
    assert.deepEqual(actions.sort(), ['a', 'c']);
    await writer.close();
  });

  it('runs the actions after end of every run, committed or rolled back, after those after commit', async () => {
    const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
    const events: string[] = [];
    const job = (id: string, fail: boolean) =>
      writer.submit(async (tx) => {
        await sql`insert into scratch (id) values (${id})`.execute(tx.db);
        tx.afterCommit(() => events.push(`${id} committed`));
        tx.afterEnd(() => events.push(`${id} ended`));
        if (fail) throw new CommonwealError('conflict', `${id} refused`);
      });
    const results = await Promise.allSettled([job('a', false), job('b', true)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected'],
    );
    // a ran twice (with b, rolled back, then without it, committed); b, refused for good, once.
    assert.deepEqual(events, ['a ended', 'b ended', 'a committed', 'a ended']);
    await writer.close();
  });
});
