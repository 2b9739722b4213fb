import type { Expression, ExpressionBuilder, Insertable, SqlBool } from 'kysely';
import { CommonwealError } from '../errors/index.js';
import {
  type Database,
  insertUnique,
  type Page,
  type PageRequest,
  RowInserter,
  type Store,
  toPage,
  type UsageRecordsTable,
  type WriteTransaction,
} from '../store/index.js';
import { toUsageRecord, type UsageRecord } from './usage-record.js';

export interface UsageFilter {
  readonly organizationId?: string | undefined;
  readonly projectId?: string | undefined;
  readonly modelId?: string | undefined;
  readonly apiKeyId?: string | undefined;
  readonly siteId?: string | undefined;
  /** The HTTP status the client received. */
  readonly status?: number | undefined;
  readonly outcome?: string | undefined;
  /** Records created at or after this ISO-8601 instant. */
  readonly since?: string | undefined;
  /** Records created before this ISO-8601 instant, so that consecutive periods never overlap. */
  readonly until?: string | undefined;
}

export interface UsageTotals {
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  /** What the organizations were charged; unmetered requests count nothing. */
  readonly creditsChargedMicro: number;
  /** What the platform wrote off: usage that model servers reported beyond the requests' holds. */
  readonly creditsWrittenOffMicro: number;
}

/** Where a record's receipt sits in the transparency log, and whose record it is. */
export interface ReceiptRef {
  readonly receiptLeaf: number;
  readonly organizationId: string;
}

export interface ModelUsageTotals extends UsageTotals {
  readonly modelId: string;
}

type UsageExpressions = ExpressionBuilder<Database, 'usageRecords'>;

const isoDateStart = /^\d{4}-\d{2}-\d{2}/;

/**
 * Brings a bound to the exact shape of the stored timestamps, because they are compared
 * as strings: `2025-01-31T02:00:00+02:00` must sort as the UTC instant it names.
 */
function toStoredInstant(value: string, param: string): string {
  const ms = isoDateStart.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new CommonwealError(
      'invalid_request',
      `${param} must be an ISO-8601 timestamp such as 2025-01-31T00:00:00Z`,
      { param },
    );
  }
  return new Date(ms).toISOString();
}

function matching(filter: UsageFilter): (eb: UsageExpressions) => Expression<SqlBool> {
  const since = filter.since === undefined ? undefined : toStoredInstant(filter.since, 'since');
  const until = filter.until === undefined ? undefined : toStoredInstant(filter.until, 'until');
  return (eb) => {
    const conditions: Expression<SqlBool>[] = [];
    if (filter.organizationId !== undefined) conditions.push(eb('organizationId', '=', filter.organizationId));
    if (filter.projectId !== undefined) conditions.push(eb('projectId', '=', filter.projectId));
    if (filter.modelId !== undefined) conditions.push(eb('modelId', '=', filter.modelId));
    if (filter.apiKeyId !== undefined) conditions.push(eb('apiKeyId', '=', filter.apiKeyId));
    if (filter.siteId !== undefined) conditions.push(eb('siteId', '=', filter.siteId));
    if (filter.status !== undefined) conditions.push(eb('status', '=', filter.status));
    if (filter.outcome !== undefined) conditions.push(eb('outcome', '=', filter.outcome));
    if (since !== undefined) conditions.push(eb('createdAt', '>=', since));
    if (until !== undefined) conditions.push(eb('createdAt', '<', until));
    return eb.and(conditions);
  };
}

function sums(eb: UsageExpressions) {
  return [
    eb.fn.countAll().as('requests'),
    eb.fn.coalesce(eb.fn.sum('promptTokens'), eb.lit(0)).as('promptTokens'),
    eb.fn.coalesce(eb.fn.sum('completionTokens'), eb.lit(0)).as('completionTokens'),
    eb.fn.coalesce(eb.fn.sum('totalTokens'), eb.lit(0)).as('totalTokens'),
    eb.fn.coalesce(eb.fn.sum('creditsChargedMicro'), eb.lit(0)).as('creditsChargedMicro'),
    eb.fn.coalesce(eb.fn.sum('creditsWrittenOffMicro'), eb.lit(0)).as('creditsWrittenOffMicro'),
  ] as const;
}

/** Aggregates come back as bigint strings from PostgreSQL and as numbers from SQLite. */
function toTotals(row: Record<keyof UsageTotals, unknown>): UsageTotals {
  return {
    requests: Number(row.requests),
    promptTokens: Number(row.promptTokens),
    completionTokens: Number(row.completionTokens),
    totalTokens: Number(row.totalTokens),
    creditsChargedMicro: Number(row.creditsChargedMicro),
    creditsWrittenOffMicro: Number(row.creditsWrittenOffMicro),
  };
}

type UsageRow = Required<Omit<Insertable<UsageRecordsTable>, 'seq'>>;

/** Every column a record writes, in the order of the prepared insert's parameters. */
const rowColumns: readonly (keyof UsageRow)[] = Object.freeze([
  'id',
  'createdAt',
  'organizationId',
  'projectId',
  'apiKeyId',
  'modelId',
  'endpoint',
  'deploymentId',
  'siteId',
  'jurisdiction',
  'promptTokens',
  'completionTokens',
  'totalTokens',
  'usageEstimated',
  'firstByteMs',
  'totalMs',
  'status',
  'outcome',
  'errorCode',
  'streamed',
  'policyVersion',
  'receiptLeaf',
  'creditsPricedMicro',
  'creditsChargedMicro',
  'creditsWrittenOffMicro',
]);

export class UsageRepository {
  readonly #store: Store;
  readonly #rows: RowInserter;

  constructor(store: Store) {
    this.#store = store;
    this.#rows = new RowInserter(
      store.dialect,
      'usage_records',
      rowColumns.map((column) => column.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)),
    );
  }

  /**
   * Adds one record to the caller's transaction. The records of all its requests go in
   * together just before COMMIT, as a few multi-row inserts, so reads inside `tx` do not
   * see them yet. `receiptLeaf` is the log index of the record's receipt, when it has one.
   */
  async record(tx: WriteTransaction, usage: UsageRecord, receiptLeaf: number | null = null): Promise<void> {
    const row: UsageRow = {
      ...usage,
      policyVersion: usage.policyVersion ?? null,
      usageEstimated: usage.usageEstimated ? 1 : 0,
      streamed: usage.streamed ? 1 : 0,
      receiptLeaf,
    };
    tx.batch(
      this,
      (): unknown[][] => [],
      (committing, rows) => this.#insert(committing, rows),
    ).push(rowColumns.map((column) => row[column]));
  }

  async #insert(tx: WriteTransaction, rows: readonly (readonly unknown[])[]): Promise<void> {
    // `query` pages by `seq`; with several writers on PostgreSQL, numbers follow commit order only under this lock.
    await tx.lockAppendOrder('usageRecords');
    // A batch that repeats an id cannot say whose it is; the writer then halves the batch until the job is alone, and alone it is named.
    if (rows.length > 1) return this.#rows.insert(tx.db, rows);
    await insertUnique(this.#store, 'a usage record', String(rows[0]![0]), () => this.#rows.insert(tx.db, rows));
  }

  /**
   * Records in the order they were written, which only ever grows at the end, so a
   * client that pages with `after` can export the log incrementally without gaps.
   * `newestFirst` reverses it for a list that shows the latest requests first.
   */
  async query(filter: UsageFilter, page: PageRequest, newestFirst = false): Promise<Page<UsageRecord>> {
    let query = this.#store.db
      .selectFrom('usageRecords')
      .selectAll()
      .where(matching(filter))
      .orderBy('seq', newestFirst ? 'desc' : 'asc')
      .limit(page.limit + 1);
    if (page.after !== undefined)
      query = query.where('seq', newestFirst ? '<' : '>', await this.#seqOf(page.after, filter));
    return toPage((await query.execute()).map(toUsageRecord), page.limit);
  }

  async #seqOf(id: string, filter: UsageFilter): Promise<number> {
    let query = this.#store.db.selectFrom('usageRecords').select('seq').where('id', '=', id);
    // A cursor from another organization must not reveal that the record exists.
    if (filter.organizationId !== undefined) query = query.where('organizationId', '=', filter.organizationId);
    const row = await query.executeTakeFirst();
    if (row === undefined)
      throw new CommonwealError('invalid_request', `usage record "${id}" does not exist`, { param: 'after' });
    return row.seq;
  }

  /** The log index of record `id`'s receipt; undefined when no record of that id has one. */
  async receiptLeafOf(id: string): Promise<ReceiptRef | undefined> {
    const row = await this.#store.db
      .selectFrom('usageRecords')
      .select(['receiptLeaf', 'organizationId'])
      .where('id', '=', id)
      .where('receiptLeaf', 'is not', null)
      .executeTakeFirst();
    return row === undefined ? undefined : { receiptLeaf: Number(row.receiptLeaf), organizationId: row.organizationId };
  }

  async totals(filter: UsageFilter): Promise<UsageTotals> {
    const row = await this.#store.db
      .selectFrom('usageRecords')
      .where(matching(filter))
      .select(sums)
      .executeTakeFirstOrThrow();
    return toTotals(row);
  }

  async totalsByModel(filter: UsageFilter): Promise<readonly ModelUsageTotals[]> {
    const rows = await this.#store.db
      .selectFrom('usageRecords')
      .where(matching(filter))
      .groupBy('modelId')
      .orderBy('modelId')
      .select((eb) => [eb.ref('modelId').as('modelId'), ...sums(eb)])
      .execute();
    return rows.map((row) => ({ modelId: row.modelId, ...toTotals(row) }));
  }
}
