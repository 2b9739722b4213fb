import { type Kysely, sql } from 'kysely';
import { CommonwealError } from '../errors/index.js';
import type { Database, WriteTransaction } from '../store/index.js';

export interface SharedHoldsOptions {
  /** A hold its replica stops renewing (the replica died, or lost it) expires this long after its last renewal. */
  readonly ttlMs: number;
  /** The clock of the holds' `createdAt`, for people; expiry runs on the database's clock. */
  readonly now: () => number;
}

/** The database's clock in milliseconds since the epoch, the one every replica's expiry is measured on. */
const databaseNowMs = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** What one account of a shared hold reserved. */
export interface SharedLeg {
  readonly accountId: string;
  readonly reservedMicro: number;
}

/** The legs of a reservation, or, when the accounts could not cover it, what they had available for it. */
export type SharedReservation =
  | { readonly reserved: true; readonly legs: readonly SharedLeg[] }
  | { readonly reserved: false; readonly availableMicro: number };

interface ReservedRow {
  readonly accountId: string | null;
  readonly reservedMicro: number;
}

/**
 * Credit holds that every replica on one PostgreSQL database sees: rows of
 * `ledger_request_holds`, taken under the accounts' row locks by `ledger_reserve_hold`
 * (migration 0015) before a model is called. A hold ends exactly once by deleting its
 * rows: in the transaction of its charge, or on its own when the request ended without
 * one. The replica renews the holds of its requests in flight at every sweep; a hold
 * nobody renews (its replica died) expires, and any replica's sweep deletes it.
 */
export class SharedHolds {
  readonly #db: Kysely<Database>;
  readonly #options: SharedHoldsOptions;
  /** The holds of this replica's requests in flight: the ones its sweeps renew. */
  readonly #live = new Set<string>();

  constructor(db: Kysely<Database>, options: SharedHoldsOptions) {
    this.#db = db;
    this.#options = options;
  }

  /** Reserves `amountMicro` from `accountIds`, in that order, all or nothing. */
  async reserve(holdId: string, accountIds: readonly string[], amountMicro: number): Promise<SharedReservation> {
    const nowMs = this.#options.now();
    let rows: readonly ReservedRow[];
    try {
      const result = await sql<ReservedRow>`select * from ledger_reserve_hold(${holdId}, ${accountIds}::text[],
        ${amountMicro}, ${this.#options.ttlMs}, ${new Date(nowMs).toISOString()})`.execute(this.#db);
      rows = result.rows;
    } catch (error) {
      throw unavailable(error);
    }
    const short = rows.find((row) => row.accountId === null);
    if (short !== undefined) return { reserved: false, availableMicro: short.reservedMicro };
    this.#live.add(holdId);
    return {
      reserved: true,
      legs: rows.map((row) => ({ accountId: row.accountId!, reservedMicro: Number(row.reservedMicro) })),
    };
  }

  /**
   * Ends the hold in `tx`, the transaction of its charge: its rows go when the charge
   * commits, so no replica ever sees both or neither. The deletes of a transaction's
   * holds are one statement, written with the other batches before COMMIT.
   */
  endIn(tx: WriteTransaction, holdId: string): void {
    const ids = tx.batch(
      this,
      (): string[] => [],
      async (committing, batch) => {
        await committing.db.deleteFrom('ledgerRequestHolds').where(sql<boolean>`id = any(${batch}::text[])`).execute();
      },
    );
    ids.push(holdId);
    tx.afterCommit(() => this.#live.delete(holdId));
  }

  /**
   * Ends the hold of a request that wrote no charge. Nothing waits on it: when the store
   * cannot be reached, the hold is no longer renewed and expires instead.
   */
  end(holdId: string): void {
    this.#live.delete(holdId);
    this.#db
      .deleteFrom('ledgerRequestHolds')
      .where('id', '=', holdId)
      .execute()
      .catch(() => undefined);
  }

  /** Renews this replica's holds in flight, then deletes every expired hold; returns how many it deleted. */
  async sweep(): Promise<number> {
    if (this.#live.size > 0) {
      await this.#db
        .updateTable('ledgerRequestHolds')
        .set({ expiresAtMs: sql<number>`${databaseNowMs} + ${this.#options.ttlMs}` })
        .where(sql<boolean>`id = any(${[...this.#live]}::text[])`)
        .execute();
    }
    const result = await this.#db
      .deleteFrom('ledgerRequestHolds')
      .where('expiresAtMs', '<=', databaseNowMs)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function unavailable(cause: unknown): CommonwealError {
  return new CommonwealError(
    'ledger_unavailable',
    'credits cannot be reserved right now: the shared ledger is unreachable; retry shortly',
    { cause, headers: { 'retry-after': '1' } },
  );
}
