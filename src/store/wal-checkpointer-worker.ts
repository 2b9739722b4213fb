import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

/*
 * Runs in a worker thread with a connection of its own: copies the WAL back into the
 * database file every `intervalMs`. A PASSIVE checkpoint never waits for the writer,
 * and its copying and fsyncs happen here instead of inside a commit on the event loop.
 */
const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const sqlite = new BetterSqlite3(path);
sqlite.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    sqlite.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A busy database is tried again at the next tick; the WAL only grows meanwhile.
  }
}, intervalMs);

parentPort?.once('message', () => {
  clearInterval(timer);
  sqlite.close();
  parentPort?.postMessage('stopped');
});
