import { type Store, WriteTransaction } from '../../src/store/index.js';

/**
 * Runs `job` in a write transaction of its own, outside any group-commit writer, with its
 * batches written before COMMIT as the writer writes them: for tests that need one
 * transaction's exact extent. Actions after commit do not run.
 */
export function writeOnce<T>(store: Store, job: (tx: WriteTransaction) => Promise<T>): Promise<T> {
  return store.db.transaction().execute(async (db) => {
    const tx = new WriteTransaction(db, store.dialect);
    const result = await job(tx);
    await tx.writeBatches();
    return result;
  });
}
