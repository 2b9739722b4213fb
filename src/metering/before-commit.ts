import type { Transaction } from 'kysely';
import type { Database } from '../store/index.js';

/** Work that runs once in a transaction, after all of its jobs and before COMMIT. */
export type BeforeCommit = (tx: Transaction<Database>) => Promise<void>;

/** The hooks of each transaction the group-commit writer has open; a transaction not in here is someone else's. */
const hooksByTransaction = new WeakMap<Transaction<Database>, Map<object, BeforeCommit>>();

/** The batches of each writer transaction, by the key of the hook that writes them. */
const batchesByTransaction = new WeakMap<Transaction<Database>, Map<object, unknown>>();

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

/**
 * The batch that `key` gathers in writer transaction `tx`, for rows many jobs add and one
 * write takes just before COMMIT: on the first call in `tx` it is made by `open`, and
 * `write` is registered to run with it as `beforeCommit` would; later calls in `tx` get the
 * same batch. Undefined when `tx` is not a writer transaction: the caller must write at once.
 */
export function batchBeforeCommit<B>(tx: Transaction<Database>, key: object, open: () => B, write: (tx: Transaction<Database>, batch: B) => Promise<void>): B | undefined {
  const batches = batchesByTransaction.get(tx);
  if (batches === undefined) return undefined;
  if (batches.has(key)) return batches.get(key) as B;
  const batch = open();
  batches.set(key, batch);
  beforeCommit(tx, key, (committing) => write(committing, batch));
  return batch;
}

/** The writer's part: marks `tx` as one of its own. */
export function openHooks(tx: Transaction<Database>): void {
  hooksByTransaction.set(tx, new Map());
  batchesByTransaction.set(tx, new Map());
}

/** The writer's part: runs the hooks of `tx`, in the order they were registered. */
export async function runHooks(tx: Transaction<Database>): Promise<void> {
  const hooks = hooksByTransaction.get(tx);
  hooksByTransaction.delete(tx);
  batchesByTransaction.delete(tx);
  for (const hook of hooks?.values() ?? []) await hook(tx);
}
