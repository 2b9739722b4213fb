import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openSqliteStore } from './sqlite-store.js';

/** Files of this process open under `dir`, read from /proc: Linux only, as the servers are. */
function openFilesUnder(dir: string): string[] {
  const open: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) open.push(target);
    } catch {
      // The descriptor closed while the list was read.
    }
  }
  return open;
}

test('a database that cannot be migrated is refused, and its file is not left open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-sqlite-'));
  try {
    const path = join(dir, 'commonweal.db');
    // A table of the schema's name but not its shape, as a foreign or damaged file might have.
    const foreign = new BetterSqlite3(path);
    foreign.exec('create table usage_records (id text)');
    foreign.close();
    await assert.rejects(openSqliteStore(path), /migration failed/);
    assert.deepEqual(openFilesUnder(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
