import type { Kysely } from 'kysely';
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
  readonly onError: (error: unknown) => void;
}

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
      if (this.#publishing === undefined) this.publish().catch(this.#deps.onError);
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

  /** Signs a checkpoint of the whole committed tree unless the newest stored one already is one. */
  publish(): Promise<PublishedCheckpoint> {
    this.#publishing ??= this.#deps.writer
      .submit((tx) => this.#publishIn(tx.db))
      .finally(() => {
        this.#publishing = undefined;
      });
    return this.#publishing;
  }

  async #publishIn(tx: Kysely<Database>): Promise<PublishedCheckpoint> {
    const { log, signer } = this.#deps;
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
