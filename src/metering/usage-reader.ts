import type { Kysely } from 'kysely';
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
 * (receipts against records) — so that they ask metering instead of reading its table. It reads through the reader it is given,
 * so that a check can run all its reads in one snapshot transaction.
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
}
