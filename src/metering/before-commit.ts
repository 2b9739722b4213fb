import type { Transaction } from 'kysely';
import type { Database } from '../store/index.js';

/** Work that runs once in a transaction, after all of its jobs and before COMMIT. */
export type BeforeCommit = (tx: Transaction<Database>) => Promise<void>;

/** The hooks of each transaction the group-commit writer has open; a transaction not in here is someone else's. */
const hooksByTransaction = new WeakMap<Transaction<Database>, Map<object, BeforeCommit>>();

/**
 * Asks the group-commit writer to run `hook` once in `tx` after every job of the
 * transaction and before COMMIT: for writes that many jobs of one transaction can
 * share, such as one multi-row insert instead of one statement per request. A second
 * call with the same `key` in the same transaction is ignored. Returns false, and
 * registers nothing, when `tx` is not a writer transaction: the caller must then
 * write at once. A hook that throws fails the commit, which the writer handles as it
 * handles any failure at commit (retry, or split the batch to find the job at fault).
 */
export function beforeCommit(tx: Transaction<Database>, key: object, hook: BeforeCommit): boolean {
  const hooks = hooksByTransaction.get(tx);
  if (hooks === undefined) return false;
  if (!hooks.has(key)) hooks.set(key, hook);
  return true;
}

/** The writer's part: marks `tx` as one of its own. */
export function openHooks(tx: Transaction<Database>): void {
  hooksByTransaction.set(tx, new Map());
}

/** The writer's part: runs the hooks of `tx`, in the order they were registered. */
export async function runHooks(tx: Transaction<Database>): Promise<void> {
  const hooks = hooksByTransaction.get(tx);
  hooksByTransaction.delete(tx);
  for (const hook of hooks?.values() ?? []) await hook(tx);
}
