import BetterSqlite3 from 'better-sqlite3';
import { CompactRange, leafHash, subtreeHashes } from '../../src/audit/index.js';

/**
 * Fills an empty, migrated log with `size` small leaves in the exact layout the log
 * writes (leaf rows with the perfect-subtree hashes they keep), through a prepared statement in
 * large transactions: building ten million leaves through the request path would
 * measure the writer for hours, not the proofs this benchmark is about.
 */
export function loadTree(path: string, size: number, onProgress: (done: number) => void): Buffer {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const leaf = db.prepare('insert into audit_leaves (idx, entry, subtree_hashes) values (?, ?, ?)');
  const range = new CompactRange(0, []);
  const batch = 100_000;
  const append = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const entry = `{"id":"chg_${i}","type":"commonweal.admin_change"}`;
      leaf.run(i, entry, subtreeHashes(range.append(leafHash(entry))));
    }
  });
  for (let from = 0; from < size; from += batch) {
    append(from, Math.min(size, from + batch));
    onProgress(Math.min(size, from + batch));
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return range.root();
}
