import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { openPostgresStore, openSqliteStore, type Store } from '../../src/store/index.js';
import { requireService } from './require-service.js';
import { createTempPostgresDatabase, postgresService } from './temp-postgres-database.js';

/**
 * Runs `body` as two tests, `<name> on SQLite` and `<name> on PostgreSQL`, each on a new,
 * empty store that is closed and thrown away afterwards. The SQLite store is a file, not
 * `:memory:`, so that it runs in WAL mode as in production; the PostgreSQL test goes on
 * only where `requireService` lets it.
 */
export function testOnEachStore(name: string, body: (t: TestContext, store: Store) => Promise<void>): void {
  test(`${name} on SQLite`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'commonweal-store-'));
    const store = await openSqliteStore(join(dir, 'commonweal.sqlite'));
    try {
      await body(t, store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${name} on PostgreSQL`, async (t) => {
    if (!(await requireService(t, postgresService))) return;
    const database = await createTempPostgresDatabase();
    const store = await openPostgresStore(database.url);
    try {
      await body(t, store);
    } finally {
      await store.close();
      await database.drop();
    }
  });
}
