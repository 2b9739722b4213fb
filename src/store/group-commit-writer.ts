import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommonwealError, InvariantViolation } from '../errors/index.js';
import { type GroupCommitWriterOptions, resolveGroupCommitWriterOptions } from './group-commit-writer-options.js';
import type { Store } from './store.js';
import { WriteTransaction } from './write-transaction.js';

/**
 * One unit of work in a shared transaction. A job may run more than once (when its
 * transaction is retried or its batch is split), and only the run that commits counts,
 * so it must touch nothing but `tx`, and leave what must change in memory to
 * `tx.afterCommit`. It must not catch a database error and carry on: on PostgreSQL a
 * failed statement aborts the whole transaction, so the error has to reach the writer
 * for it to take that job out of the batch.
 */
export type WriteJob<T = void> = (tx: WriteTransaction) => Promise<T>;

export interface GroupCommitStats {
  readonly transactionsCommitted: number;
  readonly transactionsFailed: number;
  readonly jobsCommitted: number;
  readonly jobsFailed: number;
  readonly queueLength: number;
}

/** Hears of each transaction that committed and is durable, for metrics. */
export interface GroupCommitObserver {
  /** `jobs` shared the transaction, which took `durationMs` from its BEGIN until it was durable. */
  committed(jobs: number, durationMs: number): void;
}

interface Entry {
  run(tx: WriteTransaction): Promise<void>;
  committed(): void;
  failed(error: unknown): void;
}

interface Failure {
  /** The job that threw, or undefined when BEGIN or COMMIT failed. */
  readonly culprit: Entry | undefined;
  readonly error: unknown;
}

/**
 * The process's one writer: jobs submitted close together share one transaction, so a
 * burst of requests costs one commit (one fsync) instead of one each. A job's promise
 * settles only after its transaction has committed or definitely failed.
 */
export class GroupCommitWriter {
  readonly #store: Store;
  readonly #options: GroupCommitWriterOptions;
  readonly #observer: GroupCommitObserver | undefined;
  #queue: Entry[] = [];
  #writing = false;
  /** Settles (never rejects) once the last committed transaction is durable and its jobs are settled. */
  #synced: Promise<void> = Promise.resolve();
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #drained: Promise<void> | undefined;
  #onDrained: (() => void) | undefined;
  #transactionsCommitted = 0;
  #transactionsFailed = 0;
  #jobsCommitted = 0;
  #jobsFailed = 0;

  constructor(store: Store, options: Partial<GroupCommitWriterOptions> = {}, observer?: GroupCommitObserver) {
    this.#store = store;
    this.#options = resolveGroupCommitWriterOptions(options);
    this.#observer = observer;
  }

  /** Queues a job; resolves with its result once its transaction has committed. */
  submit<T>(job: WriteJob<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new CommonwealError('not_ready', 'The server is shutting down and accepts no more writes.'),
      );
    }
    if (this.#queue.length >= this.#options.queueLengthMax) {
      return Promise.reject(
        new CommonwealError('overloaded', 'The server is receiving more requests than it can record; retry shortly.', {
          headers: { 'retry-after': '1' },
        }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      let result: T;
      this.#queue.push({
        run: async (tx) => {
          result = await job(tx);
        },
        committed: () => resolve(result),
        failed: reject,
      });
      this.#wake(this.#queue.length >= this.#options.jobsPerTransactionMax);
    });
  }

  stats(): GroupCommitStats {
    return {
      transactionsCommitted: this.#transactionsCommitted,
      transactionsFailed: this.#transactionsFailed,
      jobsCommitted: this.#jobsCommitted,
      jobsFailed: this.#jobsFailed,
      queueLength: this.#queue.length,
    };
  }

  /** Refuses new jobs, then resolves once every queued job has settled. Leaves the store open. */
  close(): Promise<void> {
    if (this.#drained === undefined) {
      this.#closed = true;
      this.#drained = new Promise((resolve) => {
        this.#onDrained = resolve;
      });
      if (this.#writing || this.#queue.length > 0) this.#wake(true);
      else this.#onDrained?.();
    }
    return this.#drained;
  }

  /**
   * Arms the next flush. The first job after a quiet spell waits `flushIntervalMs` for
   * company; jobs that queued while a transaction ran have waited already and go at once.
   * The timers stay referenced: a job being awaited must keep the process alive until it
   * is durable, and no timer exists while the queue is empty, so none outlives `close`.
   */
  #wake(now: boolean): void {
    if (this.#writing || this.#queue.length === 0 || this.#immediate !== undefined) return;
    if (now || this.#closed || this.#options.flushIntervalMs === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#immediate = setImmediate(() => void this.#flush());
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.#flush(), this.#options.flushIntervalMs);
    }
  }

  async #flush(): Promise<void> {
    this.#timer = undefined;
    this.#immediate = undefined;
    this.#writing = true;
    const batch = this.#queue.splice(0, this.#options.jobsPerTransactionMax);
    await this.#commit(batch);
    // The next transaction starts once this one is durable: a job that arrives meanwhile
    // needs a sync that starts after its commit anyway, so waiting costs it nothing but
    // the writing, and all that arrive during one sync share one transaction. Its fixed
    // cost (the commit, the index pages rewritten, the log's edge) then falls on many
    // requests; a transaction per turn of the event loop carried about six under load.
    await this.#synced;
    this.#writing = false;
    if (this.#queue.length > 0) this.#wake(true);
    else if (this.#closed) this.#onDrained?.();
  }

  /**
   * Writes a batch and settles every job in it; never throws. Each turn of the loop either
   * commits, takes one job out of the batch, halves it, or spends one attempt, so it ends.
   */
  async #commit(batch: readonly Entry[]): Promise<void> {
    let pending = batch;
    let attempt = 1;
    const alone: Entry[] = [];
    const halves: (readonly Entry[])[] = [];
    while (pending.length > 0) {
      const failure = await this.#transact(pending);
      if (failure === undefined) break;
      const { culprit, error } = failure;
      const permanent = this.#isPermanent(error);
      if (culprit !== undefined && pending.length > 1) {
        // The job that threw leaves; the others did nothing wrong and are tried again now.
        pending = pending.filter((entry) => entry !== culprit);
        if (permanent) this.#fail([culprit], error);
        else alone.push(culprit);
      } else if (culprit === undefined && permanent && pending.length > 1) {
        // A permanent error before or at COMMIT (a batched insert, a deferred constraint) is
        // some job's doing, but not one we can name: halving the batch until the job is
        // alone finds it in a few transactions, while the halves without it commit.
        const middle = Math.ceil(pending.length / 2);
        halves.push(pending.slice(0, middle), pending.slice(middle));
        pending = [];
      } else if (permanent || attempt >= this.#options.attemptsMax) {
        // A transient error that outlasts every attempt means the database is unavailable.
        this.#fail(pending, error);
        pending = [];
      } else {
        await sleep(this.#options.retryDelayMs * attempt);
        attempt += 1;
      }
    }
    for (const half of halves) await this.#commit(half);
    for (const entry of alone) await this.#commit([entry]);
  }

  async #transact(entries: readonly Entry[]): Promise<Failure | undefined> {
    let culprit: Entry | undefined;
    let transaction: WriteTransaction | undefined;
    const startedAtMs = performance.now();
    try {
      await this.#store.db.transaction().execute(async (db) => {
        const tx = new WriteTransaction(db, this.#store.dialect);
        transaction = tx;
        for (const entry of entries) {
          culprit = entry;
          await entry.run(tx);
        }
        culprit = undefined;
        await tx.writeBatches();
      });
    } catch (error) {
      this.#transactionsFailed += 1;
      // Before the jobs run again in a new transaction, which must find nothing still held for this one.
      transaction?.ended();
      return { culprit, error };
    }
    this.#transactionsCommitted += 1;
    this.#jobsCommitted += entries.length;
    // A job is acknowledged once its commit is durable.
    const committed = transaction!;
    this.#synced = this.#store.durable().then(
      () => {
        this.#observer?.committed(entries.length, performance.now() - startedAtMs);
        committed.committed();
        committed.ended();
        for (const entry of entries) entry.committed();
      },
      (error: unknown) => {
        committed.ended();
        this.#fail(entries, error);
      },
    );
    return undefined;
  }

  #fail(entries: readonly Entry[], error: unknown): void {
    this.#jobsFailed += entries.length;
    for (const entry of entries) entry.failed(error);
  }

  /**
   * A refusal on purpose, a broken invariant or a violated constraint fails the same way
   * every time; retrying cannot help.
   */
  #isPermanent(error: unknown): boolean {
    if (error instanceof CommonwealError || error instanceof InvariantViolation) return true;
    return this.#store.constraintViolation(error) !== undefined;
  }
}
