import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type pg from 'pg';
import { adminChangeChannel, readAdminChangeSerial } from '../audit/index.js';
import { CommonwealError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { openSessionClient, type SessionOptions } from './session-client.js';

export interface ReplicaConfigSyncOptions {
  readonly store: Store;
  readonly session: SessionOptions;
  /** Reloads every cache the hot path decides with (keys, catalog, policy, rate limits) from the store. */
  readonly reload: () => Promise<void>;
  readonly heartbeatIntervalMs: number;
  readonly leaseMs: number;
  readonly onError: (error: unknown, message: string) => void;
}

/** The database's clock in milliseconds: leases are compared on one clock, whatever the replicas' own say. */
const databaseNowMs = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** Rows of replicas that vanished without a goodbye are dropped once their lease is this many leases old. */
const staleLeasesKept = 10;

/**
 * Keeps one replica's caches on the configuration every replica shares (docs/replicas.md).
 *
 * Every admin change counts itself in the store and notifies the replicas when it commits
 * (`countAdminChange`). On that notice, and on a heartbeat as a safety net, a round reads
 * the count, reloads the caches when it grew, and records in `replica_leases` the count
 * now loaded with a lease of `leaseMs` on the database's clock. The replica admits /v1
 * requests only while its own lease runs, counted from before the round read the count,
 * so it stops serving before the database considers its lease over. An admin change
 * returns once every replica with a running lease has loaded it (`awaitConfirmed`): a
 * narrowed policy is then enforced everywhere, and a replica that could not confirm it
 * refuses requests until it has reloaded.
 */
export class ReplicaConfigSync {
  readonly replicaId = `rep_${randomBytes(8).toString('hex')}`;
  readonly #options: ReplicaConfigSyncOptions;
  #listener: pg.Client | undefined;
  #loadedSerial = -1;
  #leaseUntilMs = Number.NEGATIVE_INFINITY;
  #round: Promise<void> | undefined;
  #roundAgain = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ReplicaConfigSyncOptions) {
    this.#options = options;
  }

  /** Listens, then loads and confirms the configuration once; a replica that cannot does not start. */
  async start(): Promise<void> {
    await this.#listen();
    // Listed before it reads anything, as not having loaded any change: an admin change that
    // commits while this replica loads its caches then waits for it instead of missing it.
    await this.#recordLease();
    await this.#runRound();
    this.#heartbeat = setInterval(() => this.#requestRound(), this.#options.heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  /** Why this replica must not admit a request now, or undefined when it may: two comparisons, on the hot path. */
  refusal(): CommonwealError | undefined {
    if (this.#listener === undefined) {
      return new CommonwealError('configuration_stale', 'this replica lost its database connection; retry shortly', {
        headers: { 'retry-after': '1' },
      });
    }
    if (performance.now() > this.#leaseUntilMs) {
      return new CommonwealError(
        'configuration_stale',
        'this replica could not confirm it holds the current configuration; retry shortly',
        { headers: { 'retry-after': '1' } },
      );
    }
    return undefined;
  }

  /**
   * Resolves once every replica whose lease runs has loaded the configuration as of this
   * call. Each either confirms or lets its lease lapse and stops admitting requests, so
   * this takes at most one lease; longer means this replica cannot read the leases.
   */
  async awaitConfirmed(): Promise<void> {
    const { store, leaseMs, heartbeatIntervalMs } = this.#options;
    const deadlineMs = performance.now() + leaseMs + 2 * heartbeatIntervalMs;
    const pollMs = Math.min(25, heartbeatIntervalMs);
    let failure: unknown;
    while (performance.now() < deadlineMs) {
      try {
        const serial = await readAdminChangeSerial(store.db);
        const behind = await store.db
          .selectFrom('replicaLeases')
          .select('replicaId')
          .where('loadedSerial', '<', serial)
          .where('leaseUntilMs', '>', databaseNowMs)
          .execute();
        if (behind.length === 0) return;
      } catch (error) {
        failure = error;
      }
      await sleep(pollMs);
    }
    throw new CommonwealError(
      'configuration_stale',
      `the change is saved, but not every replica confirmed it within ${leaseMs + 2 * heartbeatIntervalMs} ms`,
      { cause: failure },
    );
  }

  /** Stops admitting requests, leaves the roster so that admin changes stop waiting for this replica, and disconnects. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#leaseUntilMs = Number.NEGATIVE_INFINITY;
    clearInterval(this.#heartbeat);
    await this.#round?.catch(() => undefined);
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.#options.store.db
      .deleteFrom('replicaLeases')
      .where('replicaId', '=', this.replicaId)
      .execute()
      .catch((error: unknown) => this.#options.onError(error, 'replica lease not removed at shutdown'));
  }

  async #listen(): Promise<void> {
    const client = await openSessionClient(this.#options.session, (error, lost) => this.#lost(lost, error));
    client.on('notification', () => this.#requestRound());
    try {
      await client.query(`listen ${adminChangeChannel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.#listener = client;
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#listener !== client) return;
    this.#listener = undefined;
    if (!this.#closed) this.#options.onError(error, 'configuration notices lost; refusing requests until reconnected');
  }

  /** Starts a round, or asks the running one to be followed by another: a notice that arrives mid-round is not lost. */
  #requestRound(): void {
    if (this.#closed) return;
    if (this.#round !== undefined) {
      this.#roundAgain = true;
      return;
    }
    this.#round = this.#runRounds().finally(() => {
      this.#round = undefined;
    });
  }

  async #runRounds(): Promise<void> {
    do {
      this.#roundAgain = false;
      try {
        if (this.#listener === undefined) await this.#listen();
        await this.#runRound();
      } catch (error) {
        this.#options.onError(error, 'configuration round failed; retrying at the next heartbeat');
        return;
      }
    } while (this.#roundAgain && !this.#closed);
  }

  async #runRound(): Promise<void> {
    const { store, reload, leaseMs } = this.#options;
    const startedAtMs = performance.now();
    const serial = await readAdminChangeSerial(store.db);
    if (serial > this.#loadedSerial) {
      await reload();
      this.#loadedSerial = serial;
    }
    await this.#recordLease();
    if (this.#closed) return;
    this.#leaseUntilMs = startedAtMs + leaseMs;
    await store.db
      .deleteFrom('replicaLeases')
      .where('leaseUntilMs', '<', sql<number>`${databaseNowMs} - ${staleLeasesKept * leaseMs}`)
      .execute();
  }

  /** Records the serial this replica has loaded, with a lease of `leaseMs` from now on the database's clock. */
  async #recordLease(): Promise<void> {
    const { store, leaseMs } = this.#options;
    const loadedSerial = this.#loadedSerial;
    const leaseUntilMs = sql<number>`${databaseNowMs} + ${leaseMs}`;
    await store.db
      .insertInto('replicaLeases')
      .values({ replicaId: this.replicaId, loadedSerial, leaseUntilMs })
      .onConflict((oc) => oc.column('replicaId').doUpdateSet({ loadedSerial, leaseUntilMs }))
      .execute();
  }
}
