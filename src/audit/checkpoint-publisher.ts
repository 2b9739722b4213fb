import { type Kysely, sql } from 'kysely';
import { type Database, type GroupCommitWriter, nowIso, type Store } from '../store/index.js';
import type { LogSigner } from './log-signer.js';
import type { TransparencyLog } from './transparency-log.js';

/** A checkpoint the log has signed and stored; `note` is what clients get. */
export interface PublishedCheckpoint {
  readonly size: number;
  readonly root: Buffer;
  readonly note: string;
  readonly createdAt: string;
}

export interface CheckpointPublisherDeps {
  readonly store: Store;
  readonly writer: GroupCommitWriter;
  readonly log: TransparencyLog;
  readonly signer: LogSigner;
  /** How often to look whether the tree grew and sign a new checkpoint if so. */
  readonly intervalMs: number;
  /**
   * Replicas sharing one database: only the holder of this lease signs on the interval, at
   * start and at shutdown. Absent, this process is the only signer.
   */
  readonly lease?: SigningLease | undefined;
  readonly onError: (error: unknown) => void;
}

/** The right to sign the log's periodic checkpoints, which one replica at a time holds. */
export interface SigningLease {
  /** Resolves true while this replica holds the lease, taking it first when it is free. */
  acquire(): Promise<boolean>;
}

/** The PostgreSQL advisory lock that orders the signing transactions of every replica; distinct from the append locks. */
const signingOrderLockKey = 0x436f_6d6d_0010;

/**
 * Signs and stores checkpoints: every `intervalMs` when the tree grew, and on demand
 * when a receipt needs one that covers it. Stored checkpoints are the log's public
 * promises — the ones a witness holds it to — so each is written once, by size, and
 * replicas that sign the same size at once store one (Ed25519 signatures are
 * deterministic, so theirs are identical anyway).
 */
export class CheckpointPublisher {
  readonly #deps: CheckpointPublisherDeps;
  #timer: NodeJS.Timeout | undefined;
  #publishing: Promise<PublishedCheckpoint> | undefined;

  constructor(deps: CheckpointPublisherDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      if (this.#publishing === undefined) this.publishAsSigner().catch(this.#deps.onError);
    }, this.#deps.intervalMs);
    // The log keeps no process alive: a checkpoint is also signed on demand.
    this.#timer.unref();
  }

  /** Stops the timer and waits for a checkpoint being signed. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#publishing?.catch(() => undefined);
  }

  async latest(db: Kysely<Database> = this.#deps.store.db): Promise<PublishedCheckpoint | undefined> {
    const row = await db
      .selectFrom('auditCheckpoints')
      .selectAll()
      .orderBy('treeSize', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { size: Number(row.treeSize), root: Buffer.from(row.rootHash), note: row.note, createdAt: row.createdAt };
  }

  /**
   * Signed checkpoints newest first, `limit` of them, each of fewer than `belowSize` leaves
   * when given: a page of the log's history, whose next page starts below its last size.
   */
  async history(limit: number, belowSize?: number): Promise<PublishedCheckpoint[]> {
    let query = this.#deps.store.db.selectFrom('auditCheckpoints').selectAll().orderBy('treeSize', 'desc').limit(limit);
    if (belowSize !== undefined) query = query.where('treeSize', '<', belowSize);
    const rows = await query.execute();
    return rows.map((row) => ({
      size: Number(row.treeSize),
      root: Buffer.from(row.rootHash),
      note: row.note,
      createdAt: row.createdAt,
    }));
  }

  /** The newest checkpoint of at least `size` leaves, signing one if none is stored yet. */
  async covering(size: number): Promise<PublishedCheckpoint> {
    const latest = await this.latest();
    if (latest !== undefined && latest.size >= size) return latest;
    const fresh = await this.publish();
    if (fresh.size < size) throw new Error(`the log holds ${fresh.size} leaves, fewer than the ${size} asked for`);
    return fresh;
  }

  /** `publish`, when this process holds the signing lease or needs none; resolves whether it signed. */
  async publishAsSigner(): Promise<boolean> {
    if (this.#deps.lease !== undefined && !(await this.#deps.lease.acquire())) return false;
    await this.publish();
    return true;
  }

  /**
   * Signs a checkpoint of the whole committed tree unless the newest stored one already is
   * one. Replicas call this too, for a receipt newer than the last checkpoint; they hold
   * the same key, and the lock below makes signers take turns so that every checkpoint
   * stored is larger than the one before it.
   */
  publish(): Promise<PublishedCheckpoint> {
    this.#publishing ??= this.#deps.writer
      .submit((tx) => this.#publishIn(tx.db))
      .finally(() => {
        this.#publishing = undefined;
      });
    return this.#publishing;
  }

  async #publishIn(tx: Kysely<Database>): Promise<PublishedCheckpoint> {
    const { log, signer, store } = this.#deps;
    if (store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${signingOrderLockKey})`.execute(tx);
    const size = await log.size(tx);
    const latest = await this.latest(tx);
    if (latest !== undefined && latest.size >= size) return latest;
    const root = await log.rootAt(size, tx);
    const checkpoint = { size, root, note: signer.signCheckpoint(size, root), createdAt: nowIso() };
    await tx
      .insertInto('auditCheckpoints')
      .values({ treeSize: size, rootHash: root, note: checkpoint.note, createdAt: checkpoint.createdAt })
      .onConflict((oc) => oc.column('treeSize').doNothing())
      .execute();
    return checkpoint;
  }
}
