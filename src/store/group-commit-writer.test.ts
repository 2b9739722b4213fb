import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { CommonwealError, InvariantViolation } from '../errors/index.js';
import { GroupCommitWriter, type WriteJob } from './group-commit-writer.js';
import { resolveGroupCommitWriterOptions } from './group-commit-writer-options.js';
import { openSqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

// The writer is generic, so these tests write to scratch tables of their own rather than
// to any domain's table.
const insert =
  (id: string): WriteJob =>
  async (tx) => {
    await sql`insert into scratch (id) values (${id})`.execute(tx.db);
  };

const ids = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe('GroupCommitWriter', () => {
  let dir: string;
  let path: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commonweal-writer-'));
    path = join(dir, 'commonweal.db');
    store = await openSqliteStore(path);
    await sql`create table scratch (id text primary key)`.execute(store.db);
    await sql`create table parent (id text primary key)`.execute(store.db);
    await sql`create table child (id text primary key, parent_id text references parent (id) deferrable initially deferred)`.execute(
      store.db,
    );
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function storedIds(): Promise<Set<string>> {
    const { rows } = await sql<{ id: string }>`select id from scratch`.execute(store.db);
    return new Set(rows.map((row) => row.id));
  }

  it('writes a thousand concurrent jobs in far fewer transactions', async () => {
    const writer = new GroupCommitWriter(store);
    const all = ids('job_', 1000);
    await Promise.all(all.map((id) => writer.submit(insert(id))));
    const stats = writer.stats();
    assert.equal(stats.jobsCommitted, 1000);
    assert.ok(stats.transactionsCommitted <= 20, `${stats.transactionsCommitted} transactions for 1000 jobs`);
    assert.deepEqual(await storedIds(), new Set(all));
    await writer.close();
  });

  it('tells its observer of each durable transaction: how many jobs it carried and how long it took', async () => {
    const seen: { jobs: number; durationMs: number }[] = [];
    const writer = new GroupCommitWriter(
      store,
      {},
      { committed: (jobs, durationMs) => seen.push({ jobs, durationMs }) },
    );
    await Promise.all(ids('observed_', 300).map((id) => writer.submit(insert(id))));
    // A failed job is not a committed one: its transactions are not reported.
    await assert.rejects(writer.submit(insert('observed_0')));
    assert.equal(
      seen.reduce((sum, s) => sum + s.jobs, 0),
      300,
    );
    assert.equal(seen.length, writer.stats().transactionsCommitted);
    assert.ok(seen.every((s) => s.durationMs >= 0));
    await writer.close();
  });

  it('acknowledges a committed job only once the store says it is durable, and fails it if syncing fails', async () => {
    let syncs = 0;
    let release: (() => void) | undefined;
    let failNext = false;
    const gated: Store = {
      ...store,
      durable: () => {
        syncs += 1;
        if (failNext) return Promise.reject(new Error('fsync failed: EIO'));
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    };
    const writer = new GroupCommitWriter(gated);
    let acknowledged = false;
    const job = writer.submit(insert('durable_1')).then(() => {
      acknowledged = true;
    });
    while (release === undefined) await new Promise((resolve) => setImmediate(resolve));
    assert.ok((await storedIds()).has('durable_1'), 'the transaction has committed');
    assert.equal(acknowledged, false, 'but the job is not acknowledged before it is durable');
    release();
    await job;
    assert.equal(syncs, 1);
    failNext = true;
    await assert.rejects(writer.submit(insert('durable_2')), /EIO/);
    await writer.close();
  });

  it('resolves a job only once another connection can read what it wrote', async () => {
    const writer = new GroupCommitWriter(store);
    const reader = new BetterSqlite3(path, { readonly: true });
    const find = reader.prepare('select id from scratch where id = ?');
    const unseen: string[] = [];
    await Promise.all(
      ids('seen_', 300).map((id) =>
        writer.submit(insert(id)).then(() => {
          if (find.get(id) === undefined) unseen.push(id);
        }),
      ),
    );
    reader.close();
    assert.deepEqual(unseen, []);
    await writer.close();
  });

  it('hands back what the job returns', async () => {
    const writer = new GroupCommitWriter(store);
    const count = await writer.submit(async (tx) => {
      await insert('a')(tx);
      const { rows } = await sql<{ n: number }>`select count(*) as n from scratch`.execute(tx.db);
      return rows[0]?.n;
    });
    assert.equal(count, 1);
    await writer.close();
  });

  it('fails only the job that throws, and rolls back what it wrote', async () => {
    const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
    const good = ids('good_', 50);
    const bad = new CommonwealError('conflict', 'refused on purpose');
    const results = await Promise.allSettled([
      ...good.slice(0, 25).map((id) => writer.submit(insert(id))),
      writer.submit(async (tx) => {
        await insert('half_written')(tx);
        throw bad;
      }),
      ...good.slice(25).map((id) => writer.submit(insert(id))),
    ]);
    assert.deepEqual(
      results.filter((r) => r.status === 'rejected').map((r) => r.reason),
      [bad],
    );
    assert.deepEqual(await storedIds(), new Set(good));
    assert.equal(writer.stats().jobsFailed, 1);
    await writer.close();
  });

  it('fails a duplicate without retrying it and keeps its batch', async () => {
    const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
    await writer.submit(insert('taken'));
    const results = await Promise.allSettled([
      writer.submit(insert('x')),
      writer.submit(insert('taken')),
      writer.submit(insert('y')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(store.constraintViolation((results[1] as PromiseRejectedResult).reason), 'unique');
    assert.deepEqual(await storedIds(), new Set(['taken', 'x', 'y']));
    await writer.close();
  });

  it('retries a job that failed for a passing reason', async () => {
    const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
    let runs = 0;
    const flaky: WriteJob = async (tx) => {
      runs += 1;
      if (runs === 1) throw new Error('database is locked');
      await insert('flaky')(tx);
    };
    await Promise.all([writer.submit(insert('before')), writer.submit(flaky), writer.submit(insert('after'))]);
    assert.deepEqual(await storedIds(), new Set(['before', 'flaky', 'after']));
    assert.ok(writer.stats().transactionsFailed >= 1);
    await writer.close();
  });

  it('gives up on a job after a bounded number of attempts', async () => {
    const writer = new GroupCommitWriter(store, { retryDelayMs: 0, attemptsMax: 3 });
    let runs = 0;
    const broken = new Error('always broken');
    const results = await Promise.allSettled([
      writer.submit(insert('a')),
      writer.submit(async () => {
        runs += 1;
        throw broken;
      }),
    ]);
    assert.equal(results[0]?.status, 'fulfilled');
    assert.deepEqual(results[1], { status: 'rejected', reason: broken });
    // Once in the shared batch, then three times alone.
    assert.equal(runs, 4);
    await writer.close();
  });

  it('fails a job that breaks an invariant at once, without retrying it, and keeps its batch', async () => {
    const writer = new GroupCommitWriter(store, { retryDelayMs: 0, attemptsMax: 3 });
    let runs = 0;
    const violation = new InvariantViolation('a charge never exceeds its hold');
    const results = await Promise.allSettled([
      writer.submit(insert('a')),
      writer.submit(async (tx) => {
        runs += 1;
        await insert('broken')(tx);
        throw violation;
      }),
      writer.submit(insert('b')),
    ]);
    assert.deepEqual(results[1], { status: 'rejected', reason: violation });
    // A violation is a bug, not a passing failure: running the job again would break it again.
    assert.equal(runs, 1);
    assert.deepEqual(await storedIds(), new Set(['a', 'b']));
    await writer.close();
  });

  it('finds the job behind a failure at commit by halving the batch', async () => {
    const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
    await writer.submit(async (tx) => {
      await sql`insert into parent (id) values ('p')`.execute(tx.db);
    });
    const child =
      (id: string, parentId: string): WriteJob =>
      async (tx) => {
        await sql`insert into child (id, parent_id) values (${id}, ${parentId})`.execute(tx.db);
      };
    const results = await Promise.allSettled([
      writer.submit(child('c1', 'p')),
      writer.submit(child('orphan', 'missing')),
      writer.submit(child('c2', 'p')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(store.constraintViolation((results[1] as PromiseRejectedResult).reason), 'foreign_key');
    const { rows } = await sql<{ id: string }>`select id from child order by id`.execute(store.db);
    assert.deepEqual(
      rows.map((row) => row.id),
      ['c1', 'c2'],
    );
    await writer.close();
  });

  it('finds the job behind a failing batched write in a few transactions, and commits the rest', async () => {
    const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
    await writer.submit(insert('taken'));
    const owner = {};
    // Each job only adds its id to a batch that one insert per transaction writes before COMMIT, as the usage records do.
    const batched =
      (id: string): WriteJob =>
      async (tx) => {
        const list = tx.batch(
          owner,
          (): string[] => [],
          async (committing, rows) => {
            for (const each of rows) await sql`insert into scratch (id) values (${each})`.execute(committing.db);
          },
        );
        list.push(id);
      };
    const good = ids('ok_', 200);
    const before = writer.stats().transactionsCommitted;
    const results = await Promise.allSettled([
      ...good.slice(0, 100).map((id) => writer.submit(batched(id))),
      writer.submit(batched('taken')),
      ...good.slice(100).map((id) => writer.submit(batched(id))),
    ]);
    assert.deepEqual(
      results
        .filter((r) => r.status === 'rejected')
        .map((r) => store.constraintViolation((r as PromiseRejectedResult).reason)),
      ['unique'],
    );
    assert.deepEqual(await storedIds(), new Set(['taken', ...good]));
    const transactions = writer.stats().transactionsCommitted - before;
    assert.ok(transactions <= 24, `${transactions} transactions for 200 jobs around one bad one`);
    await writer.close();
  });

  it('refuses jobs beyond the queue bound as overloaded', async () => {
    const writer = new GroupCommitWriter(store, { queueLengthMax: 10, flushIntervalMs: 1000 });
    const accepted = ids('q_', 10).map((id) => writer.submit(insert(id)));
    await assert.rejects(writer.submit(insert('one_too_many')), (error: unknown) => {
      assert.ok(error instanceof CommonwealError);
      assert.equal(error.code, 'overloaded');
      assert.equal(error.status, 503);
      return true;
    });
    await writer.close();
    await Promise.all(accepted);
    assert.equal((await storedIds()).size, 10);
  });

  it('flushes pending jobs on close, leaves no timer behind, then refuses new jobs', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const writer = new GroupCommitWriter(store, { flushIntervalMs: 1000 });
    const pending = ids('c_', 100).map((id) => writer.submit(insert(id)));
    assert.equal(writer.stats().queueLength, 100);
    await writer.close();
    await Promise.all(pending);
    assert.equal((await storedIds()).size, 100);
    assert.equal(writer.stats().transactionsCommitted, 1);
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, timersBefore);
    await assert.rejects(writer.submit(insert('late')), { code: 'not_ready' });
    await writer.close();
  });

  it('closes at once when idle', async () => {
    const writer = new GroupCommitWriter(store);
    await writer.close();
    assert.equal(writer.stats().transactionsCommitted, 0);
  });
});

describe('resolveGroupCommitWriterOptions', () => {
  it('fills in defaults and refuses values out of bounds', () => {
    assert.equal(resolveGroupCommitWriterOptions({ flushIntervalMs: undefined }).flushIntervalMs, 0);
    assert.throws(() => resolveGroupCommitWriterOptions({ jobsPerTransactionMax: 0 }), RangeError);
    assert.throws(() => resolveGroupCommitWriterOptions({ attemptsMax: 1.5 }), RangeError);
  });
});
