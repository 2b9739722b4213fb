import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/index.js';
import { toUsageRecord, type UsageRecord } from './usage-record.js';

/** A usage record with the transparency-log index of its receipt, null when it was written without one. */
export interface ReceiptedUsage {
  readonly record: UsageRecord;
  readonly receiptLeaf: number | null;
}

const orNull = (value: number | null): number | null => (value === null ? null : Number(value));

/**
 * The usage records as the consistency checks of other modules need them — the log's
 * (receipts against records) and the ledger's (charges against records) — so that they
 * ask metering instead of naming its table or knowing how its columns are stored. It
 * reads through the reader it is given, so that a check can run all its reads in one
 * snapshot transaction.
 */
export class UsageReader {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The records of `ids` that exist, by id. */
  async withReceiptLeaves(ids: readonly string[]): Promise<Map<string, ReceiptedUsage>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#db.selectFrom('usageRecords').selectAll().where('id', 'in', ids).execute();
    return new Map(rows.map((row) => [row.id, { record: toUsageRecord(row), receiptLeaf: orNull(row.receiptLeaf) }]));
  }

  /** Up to `limit` ids of records created at or after `createdAt` that name no receipt. */
  async unreceiptedSince(createdAt: string, limit: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('usageRecords')
      .select('id')
      .where('createdAt', '>=', createdAt)
      .where('receiptLeaf', 'is', null)
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }

  /** How many records name a receipt. */
  async receiptedCount(): Promise<number> {
    const { count } = await this.#db
      .selectFrom('usageRecords')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('receiptLeaf', 'is not', null)
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /**
   * Each record's credits, as a table the ledger's checks join with its transfers. The
   * comparison stays inside the database: the charges of every request are too many to
   * bring into memory, and the ledger keeps no index by usage record to look them up by.
   */
  settlements() {
    return this.#db
      .selectFrom('usageRecords')
      .select([
        'seq',
        'id',
        'organizationId',
        'createdAt',
        'creditsPricedMicro',
        'creditsChargedMicro',
        'creditsWrittenOffMicro',
      ]);
  }

  /** How many records exist. */
  async count(): Promise<number> {
    const { n } = await this.#db
      .selectFrom('usageRecords')
      .select(sql<string | number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    return Number(n);
  }
}
