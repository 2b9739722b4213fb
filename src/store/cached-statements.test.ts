import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { withCachedStatements } from './cached-statements.js';

function countingDatabase() {
  const prepared: string[] = [];
  let closed = false;
  const database: SqliteDatabase = {
    prepare: (sql: string) => {
      prepared.push(sql);
      return { sql } as unknown as SqliteStatement;
    },
    close: () => {
      closed = true;
    },
  };
  return { database, prepared, closed: () => closed };
}

test('the same SQL is prepared once and its statement reused', () => {
  const inner = countingDatabase();
  const cached = withCachedStatements(inner.database);
  const first = cached.prepare('insert into t values (?)');
  assert.equal(cached.prepare('insert into t values (?)'), first);
  cached.prepare('select 1');
  assert.deepEqual(inner.prepared, ['insert into t values (?)', 'select 1']);
  cached.close();
  assert.equal(inner.closed(), true);
});

test('past 1,000 distinct texts the cache starts over instead of growing', () => {
  const inner = countingDatabase();
  const cached = withCachedStatements(inner.database);
  for (let i = 0; i < 1_000; i += 1) cached.prepare(`select ${i}`);
  cached.prepare('select 0');
  assert.equal(inner.prepared.length, 1_000, 'still cached below the bound');
  cached.prepare('select 1000');
  cached.prepare('select 0');
  assert.equal(inner.prepared.length, 1_002, 'after the bound is passed, earlier texts are prepared again');
});
