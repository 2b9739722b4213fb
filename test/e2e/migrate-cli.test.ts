import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { requireService } from '../helpers/require-service.js';
import { runCli } from '../helpers/spawn-cli.js';
import { tempDataDir } from '../helpers/temp-platform.js';
import { createTempPostgresDatabase, postgresService } from '../helpers/temp-postgres-database.js';

const replicaCount = 3;

async function migrationNames(): Promise<string[]> {
  return Object.keys(await migrationProvider('sqlite').getMigrations()).sort();
}

/** The migrations a `migrate` run says it applied, in its order. */
function appliedBy(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}applied (\S+)$/gm)].map((match) => match[1]!);
}

test('migrate --check on SQLite changes nothing and lists what is pending; migrate applies it once', async (t) => {
  const dataDir = tempDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const names = await migrationNames();
  const sqlitePath = join(dataDir, 'commonweal.sqlite');

  const fresh = await runCli(['migrate', '--check', '--data-dir', dataDir]);
  assert.equal(fresh.code, 1, fresh.stdout + fresh.stderr);
  assert.match(fresh.stdout, new RegExp(`${names.length} migrations pending`));
  for (const name of names) assert.match(fresh.stdout, new RegExp(`^ {2}${name}$`, 'm'));
  assert.equal(existsSync(sqlitePath), false, 'a check creates no database');

  const first = await runCli(['migrate', '--data-dir', dataDir]);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.deepEqual(appliedBy(first.stdout), names);
  const again = await runCli(['migrate', '--data-dir', dataDir]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.deepEqual(appliedBy(again.stdout), []);
  assert.match(again.stdout, /current already/);
  const current = await runCli(['migrate', '--check', '--data-dir', dataDir]);
  assert.equal(current.code, 0, current.stdout + current.stderr);
  assert.match(current.stdout, new RegExp(`is current: ${names.length} migrations applied`));

  // A database one migration behind: the check names it, and leaves the database as it found it.
  const last = names.at(-1)!;
  const db = new BetterSqlite3(sqlitePath);
  db.prepare('delete from schema_migrations where name = ?').run(last);
  db.close();
  const behind = await runCli(['migrate', '--check', '--data-dir', dataDir]);
  assert.equal(behind.code, 1);
  assert.match(behind.stdout, new RegExp(`1 migrations pending:\\n {2}${last}\\n`));
  const readBack = new BetterSqlite3(sqlitePath, { readonly: true });
  const rows = readBack.prepare('select count(*) as n from schema_migrations').get() as { n: number };
  readBack.close();
  assert.equal(rows.n, names.length - 1, 'the check applied nothing');
});

test(`${replicaCount} migrations started together on a fresh PostgreSQL database apply each migration once`, async (t) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  const env = { COMMONWEAL_DATABASE_URL: database.url };
  const names = Object.keys(await migrationProvider('postgres').getMigrations()).sort();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  // Ended before the database is dropped, which would otherwise cut this connection under it.
  t.after(async () => {
    await client.end();
    await database.drop();
  });
  const tableCount = async () =>
    Number((await client.query("select count(*) as n from pg_tables where schemaname = 'public'")).rows[0].n);

  const fresh = await runCli(['migrate', '--check'], env);
  assert.equal(fresh.code, 1, fresh.stdout + fresh.stderr);
  assert.match(fresh.stdout, new RegExp(`the PostgreSQL database is not current: ${names.length} migrations pending`));
  assert.equal(await tableCount(), 0, 'a check creates no table');

  const runs = await Promise.all(Array.from({ length: replicaCount }, () => runCli(['migrate'], env)));
  for (const run of runs) assert.equal(run.code, 0, run.stdout + run.stderr);
  const applied = runs.flatMap((run) => appliedBy(run.stdout)).sort();
  assert.deepEqual(applied, names, 'each migration was applied by exactly one of the runs');
  const recorded = await client.query('select name from schema_migrations order by name');
  assert.deepEqual(
    recorded.rows.map((row: { name: string }) => row.name),
    names,
  );

  const current = await runCli(['migrate', '--check'], env);
  assert.equal(current.code, 0, current.stdout + current.stderr);
  assert.match(current.stdout, new RegExp(`is current: ${names.length} migrations applied`));
});
